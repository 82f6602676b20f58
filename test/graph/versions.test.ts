// Versions everywhere (issue 14 item 8), through the API: each change that gained its
// `expectedVersion` last refuses a stale one with VERSION_CONFLICT on that field and writes nothing
// (the record, its version, the audit trail and the events as they were), and with the version as
// read it succeeds and moves the version on (or the record is gone, for a deletion). The schema walk
// (safe-retries.test.ts) sees that every change takes the argument; this sees that it is honoured.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { flows, type UntypedData } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import type { TestOrganisation, TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const { gql, mutate, createCustomer, upload } = flows(() => ({ server, token: org.adminToken, ref }));

/** What a case made: the input (without `expectedVersion`), and how to read what the mutation is about. */
type Made = {
  input: Record<string, unknown>;
  /** The version the caller passes, as a client reads it; null once the record is gone. */
  version(): Promise<number | null>;
  /** Everything the mutation would change, for "nothing written". */
  state(): Promise<unknown>;
};

type Case = { mutation: string; setup(): Promise<Made>; deletes?: boolean };

/** A record's fields by global ID (`node`); null once it is gone. */
async function node(id: string, type: string, selection: string): Promise<UntypedData | null> {
  return (await gql(`query($id: ID!) { node(id: $id) { ... on ${type} { ${selection} } } }`, { id })).node;
}

/** `Made` for a mutation about one record of `type`, its state being `selection` (which reads `version`). */
function aboutNode(input: Record<string, unknown>, id: string, type: string, selection: string): Made {
  return {
    input,
    version: async () => (await node(id, type, 'version'))?.version ?? null,
    state: () => node(id, type, selection),
  };
}

async function organisation(selection: string): Promise<UntypedData> {
  return (await gql(`{ viewer { organisation { version ${selection} } } }`)).viewer.organisation;
}

/** `Made` for a change of the organisation's settings: its version is the one passed. */
function aboutOrganisation(input: Record<string, unknown>, state: () => Promise<unknown>): Made {
  return {
    input,
    version: async () => (await organisation('')).version,
    state: async () => ({ organisation: await organisation(''), settings: await state() }),
  };
}

/** A customer's version and `selection`: the record mutations about its plans and SLA pass. */
function aboutCustomer(input: Record<string, unknown>, customerId: string, selection: string): Made {
  return aboutNode(input, customerId, 'Customer', `version ${selection}`);
}

const listItem = async (name: string) => (await mutate('createAssetListItem', { list: 'GROUP', name }, 'item { id }')).item.id as string;
const asset = async (customerId: string) => (await mutate('createAsset', { customerId, description: 'Boiler' }, 'asset { id }')).asset.id as string;
const opportunity = async (customerId: string) =>
  (await mutate('createOpportunity', { recordId: customerId, name: 'Boiler renewal' }, 'opportunity { id }')).opportunity.id as string;
const branch = async (customerId: string, name: string) =>
  (await mutate('createBranch', { customerId, name, line1: `1 ${name} Rd` }, 'branch { id }')).branch.id as string;
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

const cases: Case[] = [
  {
    mutation: 'updateUser',
    setup: async () => {
      const { user } = await mutate('createUser', { email: 'versioned@acme.test', name: 'Versioned', role: 'SALES' }, 'user { id }');
      return aboutNode({ id: user.id, name: 'Renamed', role: 'SERVICE' }, user.id, 'User', 'name role active version');
    },
  },
  {
    mutation: 'revokeApiToken',
    setup: async () => {
      const { apiToken } = await mutate('createApiToken', { name: 'Script' }, 'apiToken { id }');
      return aboutNode({ id: apiToken.id }, apiToken.id, 'ApiToken', 'revokedAt active version');
    },
  },
  {
    mutation: 'revokeRecordAccess',
    setup: async () => {
      const recordId = await createCustomer('Granted Ltd');
      const granteeId = await org.userIdFor('SALES');
      const { accessGrant } = await mutate('grantRecordAccess', { recordId, granteeId, endsAt: inAnHour(), reason: 'Cover' }, 'accessGrant { id }');
      return aboutNode({ id: accessGrant.id }, accessGrant.id, 'AccessGrant', 'state revokedAt version');
    },
  },
  {
    mutation: 'deleteStatusGroup',
    deletes: true,
    setup: async () => {
      const { statusGroup } = await mutate('createStatusGroup', { name: 'Credit team', statusIds: [ref.statuses.A] }, 'statusGroup { id }');
      return aboutNode({ id: statusGroup.id }, statusGroup.id, 'StatusGroup', 'name statuses { id } version');
    },
  },
  {
    mutation: 'reorderCustomerStatuses',
    setup: async () => {
      const order = async () => ((await gql('{ customerStatuses { id } }')).customerStatuses as Array<{ id: string }>).map((s) => s.id);
      return aboutOrganisation({ statusIds: (await order()).reverse() }, order);
    },
  },
  {
    mutation: 'mergeBranches',
    setup: async () => {
      const customerId = await createCustomer('Branched Ltd');
      const survivorId = await branch(customerId, 'North');
      const otherId = await branch(customerId, 'South');
      const made = aboutNode({ survivorId, otherId }, survivorId, 'Branch', 'name version');
      return { ...made, state: async () => ({ survivor: await made.state(), other: await node(otherId, 'Branch', 'name version') }) };
    },
  },
  {
    mutation: 'renameAssetListItem',
    setup: async () => {
      const id = await listItem('Boilers');
      return aboutNode({ id, name: 'Gas boilers' }, id, 'AssetGroup', 'name version');
    },
  },
  {
    mutation: 'deleteAssetListItem',
    deletes: true,
    setup: async () => {
      const id = await listItem('Radiators');
      return aboutNode({ id }, id, 'AssetGroup', 'name version');
    },
  },
  {
    mutation: 'deleteDocument',
    setup: async () => {
      const customerId = await createCustomer('Documented Ltd');
      const { id } = await upload(customerId, { bytes: 'a letter\n', name: 'letter.txt', type: 'text/plain' });
      return aboutNode({ id }, id, 'Document', 'deletedAt downloadUrl version');
    },
  },
  {
    mutation: 'deleteSavedSearch',
    deletes: true,
    setup: async () => {
      const filter = { rule: { field: 'NAME', operator: 'CONTAINS', value: 'Ltd' } };
      const { savedSearch } = await mutate('saveSearch', { name: 'Companies', filter }, 'savedSearch { id }');
      return aboutNode({ id: savedSearch.id }, savedSearch.id, 'SavedSearch', 'name version');
    },
  },
  {
    mutation: 'setInvoiceAddressFormat',
    setup: async () =>
      aboutOrganisation({ format: '[recipient_name] c/o [customer_name]\n[address_line_1]' }, () =>
        organisation('invoiceAddressFormat invoiceAddressFormatIsDefault'),
      ),
  },
  {
    mutation: 'revokePortalToken',
    setup: async () => {
      const customerId = await createCustomer('Portal Ltd');
      const { portalToken } = await mutate('createPortalToken', { customerId, name: 'Portal', permissions: ['VIEW_INVOICES'] }, 'portalToken { id }');
      return aboutNode({ id: portalToken.id }, portalToken.id, 'PortalToken', 'revokedAt active version');
    },
  },
  {
    mutation: 'linkAssetToOpportunity',
    setup: async () => {
      const customerId = await createCustomer('Renewing Ltd');
      const assetId = await asset(customerId);
      const opportunityId = await opportunity(customerId);
      return aboutNode({ assetId, opportunityId, kind: 'RENEWAL' }, opportunityId, 'Opportunity', 'version assets { kind asset { id } }');
    },
  },
  {
    mutation: 'unlinkAssetFromOpportunity',
    setup: async () => {
      const customerId = await createCustomer('Unlinking Ltd');
      const assetId = await asset(customerId);
      const opportunityId = await opportunity(customerId);
      await mutate('linkAssetToOpportunity', { assetId, opportunityId, kind: 'UPGRADE' }, 'opportunity { id }');
      return aboutNode({ assetId, opportunityId }, opportunityId, 'Opportunity', 'version assets { kind asset { id } }');
    },
  },
  {
    mutation: 'setServiceCaseSlaDefault',
    setup: async () =>
      aboutOrganisation(
        { priority: 'HIGH', respondWithinHours: 2, resolveWithinHours: 12 },
        async () => (await gql('{ serviceCaseSlaDefaults { priority respondWithinHours resolveWithinHours } }')).serviceCaseSlaDefaults,
      ),
  },
  {
    mutation: 'assignServicePlan',
    setup: async () => {
      const customerId = await createCustomer('Planned Ltd');
      const { workAddress } = await mutate('createWorkAddress', { customerId, line1: '1 Plan St' }, 'workAddress { id }');
      const { servicePlan } = await mutate(
        'createServicePlan',
        { name: 'Annual service', tasks: ['Service the boiler'], price: { amountMinor: 12000 }, billingFrequency: 'MONTHLY' },
        'servicePlan { id }',
      );
      const input = { customerId, planId: servicePlan.id, startDate: '2026-01-01', expiryDate: '2026-12-31', workAddressIds: [workAddress.id] };
      return aboutCustomer(input, customerId, 'servicePlans { totalCount }');
    },
  },
  {
    mutation: 'setCustomerSla',
    setup: async () => {
      const customerId = await createCustomer('Covered Ltd');
      const targets = ['LOW', 'NORMAL', 'HIGH', 'URGENT'].map((priority) => ({ priority, responseHours: 4, resolutionHours: 24 }));
      const { sla } = await mutate('createSla', { name: 'Gold', targets }, 'sla { id }');
      return aboutCustomer({ customerId, slaId: sla.id }, customerId, 'sla { id }');
    },
  },
];

/** Rows the change would write beside the record itself: its audit entries and events. */
async function trail(): Promise<{ audit: number; events: number }> {
  const [row] = await selectRows<{ audit: number; events: number }>(
    server.database.db,
    sql`select (select count(*)::int from audit_entries where organisation_id = ${org.organisationId}) as audit,
               (select count(*)::int from events where organisation_id = ${org.organisationId}) as events`,
  );
  return row!;
}

async function run(mutation: string, input: Record<string, unknown>): Promise<Array<{ field: string[]; code: string; message: string }>> {
  const type = `${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input`;
  const data = await gql(`mutation($input: ${type}!) { ${mutation}(input: $input) { userErrors { field code message } } }`, { input });
  return data[mutation].userErrors;
}

it('covers every change the schema walk once listed as not yet versioned', () => {
  expect(new Set(cases.map((c) => c.mutation)).size).toBe(17);
});

it.each(cases.map((c) => [c.mutation, c] as const))('%s refuses a stale expectedVersion, writing nothing, and takes the current one', async (mutation, c) => {
  const made = await c.setup();
  const version = (await made.version())!;
  expect(version).toBeGreaterThanOrEqual(1);
  const before = { state: await made.state(), trail: await trail() };

  const stale = await run(mutation, { ...made.input, expectedVersion: version - 1 });
  expect(stale).toEqual([expect.objectContaining({ field: ['input', 'expectedVersion'], code: 'VERSION_CONFLICT' })]);
  expect(stale[0]!.message).toContain(`at version ${version}, not ${version - 1}`);
  expect({ state: await made.state(), trail: await trail() }).toEqual(before);
  expect(await made.version()).toBe(version);

  expect(await run(mutation, { ...made.input, expectedVersion: version })).toEqual([]);
  expect(await made.version()).toBe(c.deletes ? null : version + 1);
  expect(await made.state()).not.toEqual(before.state);
  expect((await trail()).audit).toBeGreaterThan(before.trail.audit);
});
