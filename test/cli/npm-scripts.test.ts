// `npm start` does not rebuild when nothing changed, and says what it does at once; npm's own errors
// are not silenced (issue 10, operators' signals). The build script runs here in a copy of the project's
// layout whose codegen is a stand-in that records each call (the compile is the real one, of a
// one-line src/), so the test is about when it builds and what it writes.
// @database-independent: it runs the build script in a copy of the layout, so the PostgreSQL run leaves it out (jest.config.ts).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '../..');

let project: string;
const calls = () => (fs.existsSync(path.join(project, 'calls.log')) ? fs.readFileSync(path.join(project, 'calls.log'), 'utf8').trim().split('\n') : []);

function write(file: string, content: string) {
  fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
  fs.writeFileSync(path.join(project, file), content);
}

/** What the build did: the codegen stand-in's calls, then `compile` when it compiled src/. */
async function build(...args: string[]): Promise<{ said: string; calls: string[] }> {
  fs.rmSync(path.join(project, 'calls.log'), { force: true });
  const { stderr } = await run(process.execPath, [path.join(project, 'scripts/build.js'), ...args], { cwd: project });
  return { said: stderr, calls: [...calls(), ...(stderr.includes('compiling src/') ? ['compile'] : [])] };
}

const compiled = (file: string) => fs.readFileSync(path.join(project, 'dist', file), 'utf8');

beforeEach(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-build-'));
  write('scripts/build.js', fs.readFileSync(path.join(root, 'scripts/build.js'), 'utf8'));
  write('schema/customer.graphql', 'type Query { a: Int }\n');
  write('codegen.ts', 'export default {};\n');
  write('package-lock.json', '{}\n');
  write('tsconfig.json', '{ "compilerOptions": { "target": "ES2022" } }\n');
  write('src/main.ts', 'export const a = 1;\n');
  // Stand-ins: each records its call and writes what the real one would.
  write(
    'node_modules/.bin/graphql-codegen',
    '#!/bin/sh\necho codegen >> calls.log\nmkdir -p src/generated && sed "s#^#// #" schema/*.graphql > src/generated/graphql.ts\n',
  );
  fs.chmodSync(path.join(project, 'node_modules/.bin/graphql-codegen'), 0o755);
  // The real TypeScript compiles.
  fs.symlinkSync(path.join(root, 'node_modules/typescript'), path.join(project, 'node_modules/typescript'));
});

afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

it('builds once, then only what changed, and says which at once', async () => {
  const first = await build();
  expect(first.calls).toEqual(['codegen', 'compile']);
  expect(first.said).toContain('build: schema/ changed');
  expect(compiled('src/main.js')).toContain('exports.a = 1;');
  expect(compiled('src/main.js')).toContain('//# sourceMappingURL=main.js.map');
  expect(JSON.parse(compiled('src/main.js.map'))).toMatchObject({ file: 'main.js', sources: ['../../src/main.ts'] });

  const again = await build();
  expect(again.calls).toEqual([]);
  expect(again.said).toMatch(/^build: up to date/);

  write('src/main.ts', 'export const a = 2;\n');
  expect((await build()).calls).toEqual(['compile']);
  expect(compiled('src/main.js')).toContain('exports.a = 2;');

  // A touched but unchanged file is not a change; a deleted one is.
  fs.utimesSync(path.join(project, 'src/main.ts'), new Date(), new Date());
  expect((await build()).calls).toEqual([]);
  write('src/other.ts', 'export {};\n');
  expect((await build()).calls).toEqual(['compile']);
  expect(fs.existsSync(path.join(project, 'dist/src/other.js'))).toBe(true);
  // A deleted source leaves no module behind.
  fs.rmSync(path.join(project, 'src/other.ts'));
  expect((await build()).calls).toEqual(['compile']);
  expect(fs.existsSync(path.join(project, 'dist/src/other.js'))).toBe(false);

  write('schema/customer.graphql', 'type Query { a: Int, b: Int }\n');
  expect((await build()).calls).toEqual(['codegen', 'compile']);
  // A schema change that generates the same code (a description, say) needs no compile.
  write('codegen.ts', 'export default { };\n');
  expect((await build()).calls).toEqual(['codegen']);

  fs.rmSync(path.join(project, 'dist'), { recursive: true });
  expect((await build()).calls).toEqual(['compile']);

  expect((await build('--force')).calls).toEqual(['codegen', 'compile']);
});

it('stops with the failing step named when a build step fails', async () => {
  write('node_modules/.bin/graphql-codegen', '#!/bin/sh\necho "schema/customer.graphql: Syntax Error" >&2\nexit 2\n');
  await expect(build()).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('build: graphql-codegen failed (exit code 2)') });
});

it('stops, naming the file and the line, when a source does not parse, and leaves the last build as it was', async () => {
  await build();
  write('src/main.ts', 'export const a = ;\n');
  await expect(build()).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/src\/main\.ts\(1,\d+\): error TS\d+: Expression expected[\s\S]*build: src\/main\.ts does not compile/),
  });
  expect(compiled('src/main.js')).toContain('exports.a = 1;');
  expect(fs.readdirSync(path.join(project, 'dist'))).toEqual(['.inputs-sha256', 'src']);
  // Fixed, it builds.
  write('src/main.ts', 'export const a = 3;\n');
  expect((await build()).calls).toEqual(['compile']);
  expect(compiled('src/main.js')).toContain('exports.a = 3;');
});

it('removes what a build killed midway left in dist/, and never leaves its own folders', async () => {
  await build();
  // A process id that is not running (the largest Linux allows, never handed out here).
  fs.mkdirSync(path.join(project, 'dist/.src-4194304/graph'), { recursive: true });
  fs.mkdirSync(path.join(project, 'dist/.src-old-4194304'), { recursive: true });
  write('src/main.ts', 'export const a = 4;\n');
  expect((await build()).calls).toEqual(['compile']);
  expect(fs.readdirSync(path.join(project, 'dist'))).toEqual(['.inputs-sha256', 'src']);
});

it('leaves one whole build when two run at once (npm start and npm run admin after an edit)', async () => {
  await build();
  for (let i = 0; i < 5; i++) write(`src/part${i}.ts`, `export const part = ${i};\n`);
  await Promise.all([build(), build(), build()]);
  expect(fs.readdirSync(path.join(project, 'dist'))).toEqual(['.inputs-sha256', 'src']);
  expect(fs.readdirSync(path.join(project, 'dist/src')).sort()).toEqual(
    ['generated', 'main.js', 'main.js.map', ...[0, 1, 2, 3, 4].flatMap((i) => [`part${i}.js`, `part${i}.js.map`])].sort(),
  );
  expect((await build()).calls).toEqual([]);
});

it('says nothing when up to date with --quiet (the CLI commands build first)', async () => {
  await build();
  expect(await build('--quiet')).toEqual({ said: '', calls: [] });
});

it('wires npm start and npm run build to it, and lets npm report its own errors', async () => {
  const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
  // The young generation sized for a server's many short-lived objects (README, "Running in production").
  expect(scripts.start).toBe('node scripts/build.js && node --max-semi-space-size=32 dist/src/main.js');
  expect(scripts.build).toBe('node scripts/build.js');
  // Before, .npmrc's loglevel=silent swallowed this (and every failed npm ci).
  await expect(run('npm', ['run', 'no-such-script'], { cwd: root })).rejects.toMatchObject({
    stderr: expect.stringContaining('Missing script: "no-such-script"'),
  });
});
