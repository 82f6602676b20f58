/**
 * Read through ts-node transpiled only, as jest.config.ts is.
 * @jest-config-loader-options {"transpileOnly": true, "compilerOptions": {"module": "CommonJS", "moduleResolution": "Node10"}}
 */
import type { Config } from 'jest';

// The browser test: starts the built server and drives GraphiQL in Debian's Chromium.
const config: Config = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest', {}] },
  testMatch: ['<rootDir>/test-e2e/**/*.e2e.test.ts'],
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};

export default config;
