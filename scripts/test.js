#!/usr/bin/env node
// `npm test`: the static checks once (generated types, type check, lint, printed schema, breaking
// changes), then the Jest suite on the embedded database, then, when TEST_DATABASE_URL names a
// PostgreSQL server, the same suite against it. Both suites run even if the first fails, so one run
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

if (process.env.STATIC_CHECKS !== 'false') {
  for (const script of ['typecheck', 'lint', 'schema:check', 'schema:breaking']) {
    if (!run(script, npm, ['run', '-s', script], process.env)) process.exit(1);
  }
}

const jest = require.resolve('jest/bin/jest');
const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim();
const { TEST_DATABASE_URL, ...embeddedEnv } = process.env;

const results = [run('tests on the embedded database', process.execPath, [jest, ...jestArgs], { ...embeddedEnv, NODE_OPTIONS: nodeOptions })];
if (TEST_DATABASE_URL) {
  const shown = TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@');
  results.push(run(`tests on PostgreSQL (${shown})`, process.execPath, [jest, ...jestArgs], { ...process.env, NODE_OPTIONS: nodeOptions }));
}
process.exit(results.every(Boolean) ? 0 : 1);
