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
      ...['lint', 'schema:check', 'schema:breaking'].map((script) => ({ label: script, command: npm, args: ['run', '-s', script] })),
    ];
    if (!(await runTogether(checks))) process.exit(1);
  }
  runSuites();
}

const jest = require.resolve('jest/bin/jest');
const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim();
const { TEST_DATABASE_URL, ...embeddedEnv } = process.env;

/**
 * The two suites. With TEST_DATABASE_URL they run side by side (two Jest workers each): much of a
 * test's time is spent waiting (for a child process to start, a retry's delay, a webhook), so the two
 * runs fill each other's gaps on two cores. Each line of output is prefixed with its suite, and each
 * suite's summary is printed again, whole, when both have ended.
 */
function runSuites() {
  const embedded = { label: 'tests on the embedded database', env: { ...embeddedEnv, NODE_OPTIONS: nodeOptions } };
  if (!TEST_DATABASE_URL) {
    process.exit(run(embedded.label, process.execPath, [jest, ...jestArgs], embedded.env) ? 0 : 1);
  }
  const shown = TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@');
  const suites = [
    { ...embedded, prefix: '[embedded] ' },
    { label: `tests on PostgreSQL (${shown})`, env: { ...process.env, NODE_OPTIONS: nodeOptions }, prefix: '[postgres] ' },
  ];
  const { spawn } = require('node:child_process');
  const started = Date.now();
  process.stdout.write(`\n== ${suites.map((x) => x.label).join(' and ')}, side by side\n`);
  Promise.all(
    suites.map(
      (suite) =>
        new Promise((resolve) => {
          const child = spawn(process.execPath, [jest, ...jestArgs], { env: suite.env, stdio: ['ignore', 'pipe', 'pipe'] });
          const tail = [];
          let summary = false;
          const prefixLines = (stream) => {
            let rest = '';
            stream.on('data', (chunk) => {
              const lines = (rest + chunk.toString()).split('\n');
              rest = lines.pop();
              for (const line of lines) {
                process.stdout.write(`${suite.prefix}${line}\n`);
                // Jest's closing summary (failures, totals), kept to print again at the end.
                if (/^Summary of all failing tests|^Test Suites:/.test(line)) summary = true;
                if (summary) tail.push(line);
              }
            });
            stream.on('end', () => rest && process.stdout.write(`${suite.prefix}${rest}\n`));
          };
          prefixLines(child.stdout);
          prefixLines(child.stderr);
          child.on('close', (code) => resolve({ suite, ok: code === 0, seconds: ((Date.now() - started) / 1000).toFixed(0), tail }));
        }),
    ),
  ).then((results) => {
    for (const { suite, ok, seconds, tail } of results) {
      process.stdout.write(`\n== ${suite.label}\n${tail.join('\n')}\n== ${suite.label}: ${ok ? 'passed' : 'FAILED'} (${seconds} s)\n`);
    }
    process.exit(results.every((r) => r.ok) ? 0 : 1);
  });
}

void main();
