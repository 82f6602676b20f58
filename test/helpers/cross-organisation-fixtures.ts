// What each area adds to the cross-organisation test's twin records (test/auth/cross-organisation.test.ts):
// an area whose node types need records of their own puts a `cross-organisation.fixture.ts` in its test
// folder, exporting `populate`; the test finds every one, so a new area touches no central test file.
import fs from 'node:fs';
import path from 'node:path';
import type { TestOrganisation, TestServer } from './server';

/** What the core population made, for an area's fixture to hang its records on. */
export type FixtureRecords = {
  server: TestServer;
  org: TestOrganisation;
  /** An admin mutation that must succeed (no userErrors): the answer's payload. */
  make(mutation: string, input: Record<string, unknown>): Promise<Record<string, any>>;
  customerId: string;
  workAddressId: string;
};

export type CrossOrganisationFixture = { populate(records: FixtureRecords): Promise<void> };

const testDir = path.join(__dirname, '..');

/** Every area's fixture, in folder order. */
export function crossOrganisationFixtures(): CrossOrganisationFixture[] {
  return fs
    .readdirSync(testDir)
    .sort()
    .map((folder) => path.join(testDir, folder, 'cross-organisation.fixture.ts'))
    .filter((file) => fs.existsSync(file))
    .map((file) => require(file) as CrossOrganisationFixture); // eslint-disable-line @typescript-eslint/no-require-imports
}
