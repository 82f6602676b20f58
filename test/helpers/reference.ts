// The organisation's reference lists, by name, as a client would read them.
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from './server';

export type Reference = {
  types: Record<string, string>;
  statuses: Record<string, string>;
  businessUnits: Record<string, string>;
};

export async function readReference(server: TestServer, token: string): Promise<Reference> {
  const res = await server.graphql(
    `{ customerTypes { id name } customerStatuses { id code } businessUnits { id name } }`,
    {},
    token,
  );
  const data = res.data as any;
  return {
    types: Object.fromEntries(data.customerTypes.map((t: any) => [t.name, t.id])),
    statuses: Object.fromEntries(data.customerStatuses.map((s: any) => [s.code, s.id])),
    businessUnits: Object.fromEntries(data.businessUnits.map((b: any) => [b.name, b.id])),
  };
}

export const CREATE_CUSTOMER = `
  mutation Create($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      customer {
        id name version stage active
        type { name } status { code }
        creditLimit { amountMinor currency formatted }
        contacts(first: 10) { totalCount nodes { id fullName surname isPrimary emails { address label } phones { type number } } }
        addresses(first: 10) { totalCount nodes { id type isDefault line1 postcode country } }
      }
      userErrors { field message code }
    }
  }`;

export function customerInput(reference: Reference, overrides: Record<string, unknown> = {}) {
  return {
    name: 'Harbour View Lettings',
    typeId: reference.types.Company,
    address: { line1: '1 Quay Street', town: 'Bristol', postcode: 'bs1 4dj' },
    ...overrides,
  };
}

/** What most test files start with: a server on a fresh database, one organisation, its reference lists. */
export async function startTestOrganisation(): Promise<{ server: TestServer; org: TestOrganisation; ref: Reference }> {
  const server = await startTestServer();
  const org = await createTestOrganisation(server);
  return { server, org, ref: await readReference(server, org.adminToken) };
}
