/**
 * Jest reads this file through ts-node: transpiled only, not type-checked (the type check of the
 * project covers it): `jest --listTests` took 8.7 s with the type check, 1.9 s without, on this
 * machine while it ran another suite.
 * @jest-config-loader-options {"transpileOnly": true, "compilerOptions": {"module": "CommonJS", "moduleResolution": "Node10"}}
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from 'jest';

// Unit and API tests. Each test file gets its own fresh database: embedded PGlite by default, or a
// copy of a migrated template on the PostgreSQL server named by TEST_DATABASE_URL.

// sanitize-html (CommonJS) requires htmlparser2 12, which ships only ES modules, as do its parts.
// Node 20 runs that (require of ESM); Jest before Node 24.9 cannot, so compile them to CommonJS too.
const esmOnly = ['htmlparser2', 'domhandler', 'domutils', 'dom-serializer', 'domelementtype', 'entities'];

/**
 * Test files that never open the test database say `@database-independent` in their opening comment
 * (help texts, the embedded data directory, the architecture). The run against a PostgreSQL server
 * (TEST_DATABASE_URL) leaves them out: the embedded run has run them, and would give the same result.
 */
function databaseIndependentFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).flatMap((entry) => {
    if (!entry.isFile() || !entry.name.endsWith('.test.ts')) return [];
    const file = path.join(entry.parentPath, entry.name);
    const opening = fs.readFileSync(file, 'utf8').slice(0, 2000);
    return /^\/\/.*@database-independent/m.test(opening) ? [file] : [];
  });
}

const config: Config = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest', {}], [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: ['@swc/jest', {}] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(process.env.TEST_DATABASE_URL
      ? databaseIndependentFiles(path.join(__dirname, 'test')).map((file) => `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)
      : []),
  ],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 60_000,
  // Two cores here. On the embedded database one worker per core: PGlite runs in the worker's
  // thread, and the two keep both cores busy. Against a PostgreSQL server a third: each worker also
  // waits on the server (its writes, its syncs), and measured here the suite ran in 369 s with three
  // (the machine 5 % idle) against 398 s with two (11 % idle).
  maxWorkers: process.env.TEST_DATABASE_URL ? 3 : 2,
  // A worker keeps something of every test file it has run (the vm contexts Jest makes for ES
  // modules, which PGlite needs, are held by Node: nodejs/node#44211), so its heap grows through the
  // run and every garbage collection costs more. Past this much heap after a file, Jest replaces the
  // worker with a fresh one. Measured here, the same day, the embedded suite: 561 s without, 457 s
  // with (four replacements); the PostgreSQL suite 307 s with (369–393 s on earlier days without).
  workerIdleMemoryLimit: '800MB',
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};

export default config;
