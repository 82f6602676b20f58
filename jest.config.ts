import type { Config } from 'jest';

// Unit and API tests. Each test file gets its own fresh database: embedded PGlite by default, or a
// copy of a migrated template on the PostgreSQL server named by TEST_DATABASE_URL.
const config: Config = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest', {}] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 60_000,
  // Two cores here: one worker per core, and PGlite is single-threaded anyway.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};

export default config;
