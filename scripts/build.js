#!/usr/bin/env node
// `npm run build` (and the first half of `npm start`): codegen, then src/ compiled to dist/, each only
// when its inputs changed. The compile is TypeScript's emitter file by file, without the type check
// of the whole program: tsc's own output in about 5 s, where `tsc -p` took 22–30 s here, and a first
// `npm start` waits for it. Type errors are the type check's to find (`npm test` runs `tsc --noEmit`
// first), not the start's. Inputs are compared by content hash, not mtime, so a checkout, a copy or
// a deleted file is noticed and a touched-but-unchanged file is not. `--force` builds regardless.
// Plain CommonJS needing only TypeScript's compiler (a dev dependency, as tsc was): it must run
// before anything is compiled.
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const force = process.argv.includes('--force');
// --quiet: nothing said when dist/ is up to date (the CLI commands build first, then print their own output).
const quiet = process.argv.includes('--quiet');
const say = (line) => process.stderr.write(`${line}\n`);

function filesUnder(dir, accept, skip = () => false) {
  const out = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      const rel = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (!skip(rel)) walk(rel);
      } else if (accept(rel)) out.push(rel);
    }
  };
  walk(dir);
  return out;
}

/** One hash over the files' names and contents (a rename or a deletion changes it too). */
function hashOf(files) {
  const hash = crypto.createHash('sha256');
  for (const file of [...files].sort()) {
    hash.update(`${file}\0`);
    hash.update(fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file)) : '(missing)');
    hash.update('\0');
  }
  return hash.digest('hex');
}

function stored(file) {
  try {
    return fs.readFileSync(path.join(root, file), 'utf8').trim();
  } catch {
    return null;
  }
}

function run(command, args) {
  const result = spawnSync(path.join(root, 'node_modules/.bin', command), args, { cwd: root, stdio: 'inherit' });
  if (result.error) {
    say(`build: could not run ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    say(`build: ${command} failed (exit code ${result.status}).`);
    process.exit(result.status ?? 1);
  }
}

/**
 * src/*.ts to dist/src/*.js with source maps, file by file with TypeScript's own emitter
 * (`transpileModule`: exactly what `tsc` writes for these files, compared file by file when this was
 * written, without type-checking the program first). It writes a new folder beside dist/src/ and
 * then swaps it in: a deleted source leaves no module behind, a source that does not parse leaves
 * the last build as it was, and two builds at once (`npm start` and `npm run admin` after an edit)
 * each swap in a whole build.
 */
function compile(files) {
  const ts = require(require.resolve('typescript', { paths: [root] }));
  // tsconfig.json's options (its target, esModuleInterop), emitting CommonJS as tsc does for this
  // package (no "type": "module"), with source maps.
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile).config ?? {};
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions ?? {}, root);
  const compilerOptions = { ...options, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, sourceMap: true, noEmit: false };
  const target = path.join(root, 'dist/src');
  const staging = path.join(root, 'dist', `.src-${process.pid}`);
  removeAbandonedFolders();
  for (const file of files) {
    const source = path.join(root, file);
    // Where it will live (source maps point from there); written first under the staging folder.
    const final = path.join(root, 'dist', file.replace(/\.ts$/, '.js'));
    const out = path.join(staging, path.relative(target, final));
    const { outputText, sourceMapText, diagnostics } = ts.transpileModule(fs.readFileSync(source, 'utf8'), {
      fileName: source,
      compilerOptions,
      reportDiagnostics: true,
    });
    if (diagnostics?.length) {
      for (const d of diagnostics) {
        const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
        say(`${file}${at ? `(${at.line + 1},${at.character + 1})` : ''}: error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
      }
      say(`build: ${file} does not compile; nothing was started`);
      fs.rmSync(staging, { recursive: true, force: true });
      process.exit(1);
    }
    const map = JSON.parse(sourceMapText);
    map.file = path.basename(final);
    map.sources = [path.relative(path.dirname(final), source)];
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, outputText.replace(/\/\/# sourceMappingURL=\S+$/, `//# sourceMappingURL=${path.basename(out)}.map`));
    fs.writeFileSync(`${out}.map`, JSON.stringify(map));
  }
  const old = path.join(root, 'dist', `.src-old-${process.pid}`);
  try {
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(staging, target);
  } catch (error) {
    // Another build swapped its own whole dist/src in between our two renames: it stands.
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST' && error.code !== 'ENOENT') throw error;
    fs.rmSync(staging, { recursive: true, force: true });
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/** Folders under dist/ that a build killed midway left (`.src-<pid>`, `.src-old-<pid>`), whose process is gone. */
function removeAbandonedFolders() {
  const dist = path.join(root, 'dist');
  if (!fs.existsSync(dist)) return;
  for (const name of fs.readdirSync(dist)) {
    const pid = /^\.src-(?:old-)?(\d+)$/.exec(name)?.[1];
    if (pid && (Number(pid) === process.pid || !isAlive(Number(pid)))) fs.rmSync(path.join(dist, name), { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const started = Date.now();
// 1. src/generated/ from schema/ (git-ignored, so its stamp lives there too).
const codegenInputs = [...filesUnder('schema', (f) => f.endsWith('.graphql')), 'codegen.ts', 'package-lock.json'];
const codegenStamp = 'src/generated/.inputs-sha256';
const codegenHash = hashOf(codegenInputs);
const codegenNeeded = force || !fs.existsSync(path.join(root, 'src/generated/graphql.ts')) || stored(codegenStamp) !== codegenHash;

// 2. dist/ from src/ (generated code included). The stamp lives in dist/, so deleting dist/ rebuilds.
const compileStamp = 'dist/.inputs-sha256';
const sources = () => filesUnder('src', (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const compileHash = () => hashOf([...sources(), 'tsconfig.json', 'scripts/build.js', 'package-lock.json']);

if (!codegenNeeded && !force && fs.existsSync(path.join(root, 'dist/src/main.js')) && stored(compileStamp) === compileHash()) {
  if (!quiet) say(`build: up to date (dist/ matches src/ and schema/), checked in ${Date.now() - started} ms`);
  process.exit(0);
}

if (codegenNeeded) {
  say('build: schema/ changed, generating src/generated/ (graphql-codegen)…');
  run('graphql-codegen', ['--config', 'codegen.ts', '--silent']);
  fs.writeFileSync(path.join(root, codegenStamp), `${codegenHash}\n`);
}
const inputs = compileHash();
if (force || !fs.existsSync(path.join(root, 'dist/src/main.js')) || stored(compileStamp) !== inputs) {
  say('build: compiling src/ to dist/src/ (TypeScript, file by file)…');
  compile(sources());
  fs.writeFileSync(path.join(root, compileStamp), `${inputs}\n`);
}
say(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
