// The organisation's reference lists, by name, as a client would read them.
import { graphql } from '../generated';
import type { CreateCustomerInput } from '../generated/graphql';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from './server';

export type Reference = {
  types: Record<string, string>;
  statuses: Record<string, string>;
  businessUnits: Record<string, string>;
};

const REFERENCE_LISTS = graphql(`
  query ReferenceLists {
    customerTypes {
      id
      name
    }
    customerStatuses {
      id
      code
    }
    businessUnits {
      id
      name
    }
  }
`);

export async function readReference(server: TestServer, token: string): Promise<Reference> {
  const res = await server.graphql(REFERENCE_LISTS, {}, token);
  const data = res.data!;
  return {
    types: Object.fromEntries(data.customerTypes.map((t) => [t.name, t.id])),
    statuses: Object.fromEntries(data.customerStatuses.map((s) => [s.code, s.id])),
    businessUnits: Object.fromEntries(data.businessUnits.map((b) => [b.name, b.id])),
  };
}

/** createCustomer with the customer as most tests read it back, typed. */
export const CREATE_CUSTOMER_DOCUMENT = graphql(`
  mutation CreateCustomer($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      customer {
        id
        name
        version
        stage
        active
        type {
          name
        }
        status {
          code
        }
        creditLimit {
          amountMinor
          currency
          formatted
        }
        contacts(first: 10) {
          totalCount
          nodes {
            id
            fullName
            surname
            isPrimary
            emails {
              address
              label
            }
            phones {
              type
              number
            }
          }
        }
        addresses(first: 10) {
          totalCount
          nodes {
            id
            type
            isDefault
            line1
            postcode
            country
          }
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);

/**
 * The same selection as CREATE_CUSTOMER_DOCUMENT, as a string, for calls that read the result untyped.
 * Kept as it was: tests match its text (custom-fields adds a field to it) and its operation name
 * (the metrics count `Create`).
 */
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

/** Fields of CreateCustomerInput over `customerInput`'s defaults; a test may send ones the schema refuses. */
export type CustomerOverrides = Partial<CreateCustomerInput> | Record<string, unknown>;

export function customerInput(reference: Reference, overrides: CustomerOverrides = {}): CreateCustomerInput {
  return {
    name: 'Harbour View Lettings',
    typeId: reference.types.Company!,
    address: { line1: '1 Quay Street', town: 'Bristol', postcode: 'bs1 4dj' },
    ...overrides,
  };
}

/**
 * What most test files start with: a server on a fresh database, one organisation, its reference
 * lists. `env`: configuration on top of the test server's (e.g. webhook delivery on); `options`:
 * the test server's (e.g. a pool as large as the calls a concurrency test sends at once).
 */
export async function startTestOrganisation(
  env: Record<string, string> = {},
  options: Parameters<typeof startTestServer>[1] = {},
): Promise<{ server: TestServer; org: TestOrganisation; ref: Reference }> {
  const server = await startTestServer(env, options);
  const org = await createTestOrganisation(server);
  return { server, org, ref: await readReference(server, org.adminToken) };
}
