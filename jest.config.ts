import type { Config } from 'jest';

// Unit and API tests. Each test file gets its own fresh database: embedded PGlite by default, or a
// copy of a migrated template on the PostgreSQL server named by TEST_DATABASE_URL.

// sanitize-html (CommonJS) requires htmlparser2 12, which ships only ES modules, as do its parts.
// Node 20 runs that (require of ESM); Jest before Node 24.9 cannot, so compile them to CommonJS too.
const esmOnly = ['htmlparser2', 'domhandler', 'domutils', 'dom-serializer', 'domelementtype', 'entities'];

const config: Config = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest', {}], [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: ['@swc/jest', {}] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 60_000,
  // Two cores here: one worker per core, and PGlite is single-threaded anyway.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};

export default config;
