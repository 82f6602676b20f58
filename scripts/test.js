#!/usr/bin/env node
// `npm test`: the static checks once (generated types, then side by side: type check, lint, printed
// schema, breaking changes), then the Jest suite on the embedded database, then, when
// TEST_DATABASE_URL names a PostgreSQL server, the same suite against it. Both suites run even if the first fails, so one run
// shows every failure; the exit code is non-zero if anything failed.
//
// Arguments go to Jest (`npm test -- test/customers`). STATIC_CHECKS=false skips the static checks
// (for a quick re-run of tests). In the PostgreSQL run, test files marked `@database-independent`
// (they never open the test database: help texts, the embedded data directory, the architecture)
// are left out; they ran, with the same result, in the embedded run.
'use strict';
const { spawnSync } = require('node:child_process');

const jestArgs = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(label, command, args, env) {
  process.stdout.write(`\n== ${label}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const ok = result.status === 0;
  process.stdout.write(`== ${label}: ${ok ? 'passed' : 'FAILED'} (${seconds} s)\n`);
  return ok;
}

/** Runs commands at once (two cores: the checks take about half as long), printing each one's output when it ends. */
function runTogether(commands) {
  const { spawn } = require('node:child_process');
  return Promise.all(
    commands.map(
      ({ label, command, args }) =>
        new Promise((resolve) => {
          const started = Date.now();
          const child = spawn(command, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
          const output = [];
          child.stdout.on('data', (c) => output.push(c));
          child.stderr.on('data', (c) => output.push(c));
          child.on('close', (code) => {
            const seconds = ((Date.now() - started) / 1000).toFixed(0);
            process.stdout.write(`\n== ${label}\n${Buffer.concat(output).toString()}== ${label}: ${code === 0 ? 'passed' : 'FAILED'} (${seconds} s)\n`);
            resolve(code === 0);
          });
        }),
    ),
  ).then((results) => results.every(Boolean));
}

async function main() {
  if (process.env.STATIC_CHECKS !== 'false') {
    // The generated types first (the type check and the lint read them), then the checks side by side.
    if (!run('codegen', npm, ['run', '-s', 'codegen'], process.env)) process.exit(1);
    const checks = [
      { label: 'typecheck', command: process.execPath, args: [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', '.'] },
      // `npm run lint` is lint:code then lint:format; here they run beside the rest (the formatting
      // check alone is ~20 s, and in a row behind ESLint it made lint the long pole of these checks).
      ...['lint:code', 'lint:format', 'schema:check', 'schema:breaking'].map((script) => ({ label: script, command: npm, args: ['run', '-s', script] })),
    ];
    if (!(await runTogether(checks))) process.exit(1);
  }
  runSuites();
}

const jest = require.resolve('jest/bin/jest');
const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim();

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Temporary files in memory when the machine has /dev/shm (Linux), unless TMPDIR is set: every
 * test file copies a migrated embedded data directory (~1,450 files) and the embedded database
 * writes to it. Measured here: copying it took 1.4–1.8 s on the disk, 0.05 s on tmpfs, and the test
 * files ran 10–25 % faster. One folder per run, removed when the run ends.
 */
function memoryTmpdir() {
  const fs = require('node:fs');
  const path = require('node:path');
  if (process.env.TMPDIR || process.platform !== 'linux') return null;
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    // Folders of runs that were killed (their exit handler never ran) hold memory: removed here.
    for (const name of fs.readdirSync('/dev/shm')) {
      const pid = /^crm-tests-(\d+)-/.exec(name)?.[1];
      if (pid && !isAlive(Number(pid))) fs.rmSync(path.join('/dev/shm', name), { recursive: true, force: true });
    }
    const dir = fs.mkdtempSync(path.join('/dev/shm', `crm-tests-${process.pid}-`));
    // Open to every user, as /tmp is: a test runs a PostgreSQL cluster as the postgres user in it.
    fs.chmodSync(dir, 0o1777);
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  } catch {
    return null;
  }
}
// Jest's cache of compiled files stays where it was (kept between runs).
const jestCache = `--cacheDirectory=${require('node:path').join(require('node:os').tmpdir(), 'jest-crm')}`;
const tmpdir = memoryTmpdir();
if (tmpdir) process.env.TMPDIR = tmpdir;
const { TEST_DATABASE_URL, ...embeddedEnv } = process.env;

function runSuites() {
  const results = [run('tests on the embedded database', process.execPath, [jest, jestCache, ...jestArgs], { ...embeddedEnv, NODE_OPTIONS: nodeOptions })];
  if (TEST_DATABASE_URL) {
    const shown = TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@');
    results.push(run(`tests on PostgreSQL (${shown})`, process.execPath, [jest, jestCache, ...jestArgs], { ...process.env, NODE_OPTIONS: nodeOptions }));
  }
  process.exit(results.every(Boolean) ? 0 : 1);
}

void main();
