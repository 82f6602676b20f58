// Customer search (docs/domain.md#search) over 40 seeded customers: the basic and advanced filters,
// checked against the same filter evaluated in plain TypeScript over the rows as seeded (independent of
// the SQL compiler); paging, visibility, bad filters, and saved searches.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let salesToken: string;
let managerToken: string;

/** A seeded customer as the test knows it, independent of what the server stores. */
type Seeded = {
  id: string;
  name: string;
  statusId: string;
  active: boolean;
  typeId: string;
  createdAt: Date;
  creditLimit: number | null;
  isDepartment: boolean;
  ownedBySales: boolean;
  customFields: Record<string, unknown>;
};
const seeded: Seeded[] = [];

const FIRST = ['Oak', 'Harbour', 'Bright', 'Plumbright', 'Kestrel', 'Willow', 'Granite'];
const SECOND = ['Plumbing', 'Lettings', 'Heating', 'Estates', 'Homes'];
const SECTORS = ['Retail', 'Housing', 'Industrial'];
const SERVICES = [['Gas'], ['Electric', 'Water'], ['Gas', 'Water'], [], ['Electric']];

async function define(input: Record<string, unknown>) {
  const res = await server.graphql(
    `mutation($input: CreateCustomFieldDefinitionInput!) { createCustomFieldDefinition(input: $input) { userErrors { field code } } }`,
    { input },
    org.adminToken,
  );
  expect(res.data!.createCustomFieldDefinition.userErrors).toEqual([]);
}

function customFieldsFor(i: number): Record<string, unknown> {
  const cf: Record<string, unknown> = {};
  if (i % 5 !== 0) cf.sector = SECTORS[i % 3];
  if (i % 6 !== 0) cf.employees = i * 3;
  if (i % 2 === 0) cf.renewal = `2026-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`;
  if (i % 4 === 1) cf.vip = true;
  if (i % 4 === 3) cf.vip = false;
  if (SERVICES[i % 5]!.length > 0) cf.services = SERVICES[i % 5];
  if (i % 7 === 2) cf.note = i % 2 ? 'Key holder: Mrs Smith' : 'Ask for SMITHERS at reception';
  return cf;
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  salesToken = await org.tokenFor('SALES');
  managerToken = await org.tokenFor('MANAGER');
  const salesId = await org.userIdFor('SALES');
  await define({ key: 'sector', label: 'Sector', type: 'SINGLE_SELECT', options: SECTORS, enabledFor: ['CUSTOMER'] });
  await define({ key: 'employees', label: 'Employees', type: 'NUMBER', enabledFor: ['CUSTOMER'] });
  await define({ key: 'renewal', label: 'Renewal', type: 'DATE', enabledFor: ['CUSTOMER'] });
  await define({ key: 'vip', label: 'VIP', type: 'BOOLEAN', enabledFor: ['CUSTOMER'] });
  await define({ key: 'services', label: 'Services', type: 'MULTI_SELECT', options: ['Gas', 'Electric', 'Water'], enabledFor: ['CUSTOMER'] });
  await define({ key: 'note', label: 'Note', type: 'TEXT', enabledFor: ['CUSTOMER'] });
  await define({ key: 'lead_only', label: 'Lead only', type: 'TEXT', enabledFor: ['LEAD'] });
  const statuses = await server.graphql(`{ customerStatuses { id code active } }`, {}, org.adminToken);
  const activeOf = new Map<string, boolean>(statuses.data!.customerStatuses.map((s: { id: string; active: boolean }) => [s.id, s.active]));
  const codes = 'PHCADZI';
  for (let i = 0; i < 40; i++) {
    const statusId = ref.statuses[codes[i % 7]!]!;
    const typeId = i % 3 === 1 ? ref.types.Private! : ref.types.Company!;
    const creditLimit = i % 4 === 0 ? null : i * 2500;
    const isDepartment = i % 10 === 9;
    const ownedBySales = i % 3 === 0;
    const input = customerInput(ref, {
      name: `${FIRST[i % 7]} ${SECOND[i % 5]} ${i}`,
      typeId,
      statusId,
      ...(creditLimit === null ? {} : { creditLimit: { amountMinor: creditLimit } }),
      ...(isDepartment ? { parentCustomerId: seeded[i - 1]!.id } : {}),
      ...(ownedBySales ? { ownerId: salesId } : {}),
      customFields: customFieldsFor(i),
    });
    const res = await server.graphql(CREATE_CUSTOMER, { input }, org.adminToken);
    expect(res.data!.createCustomer.userErrors).toEqual([]);
    const id = res.data!.createCustomer.customer.id as string;
    // Spread creation times over 2025: every 9 days from 1 January.
    const createdAt = new Date(Date.UTC(2025, 0, 1 + i * 9, 12));
    const uuid = Buffer.from(id, 'base64url').toString('utf8').split(':')[1]!;
    await server.database.db.execute(sql`update customers set created_at = ${createdAt.toISOString()}::timestamptz where id = ${uuid}::uuid`);
    seeded.push({
      id,
      name: input.name as string,
      statusId,
      active: activeOf.get(statusId)!,
      typeId,
      createdAt,
      creditLimit,
      isDepartment,
      ownedBySales,
      customFields: customFieldsFor(i),
    });
  }
}, 120_000);
afterAll(() => server.close());

// ---- The reference evaluator: what a filter means, in plain TypeScript over the seeded rows. ----
type Filter = {
  name?: string;
  id?: string;
  active?: 'YES' | 'NO' | 'ANY';
  includeDepartments?: boolean;
  all?: Filter[];
  any?: Filter[];
  not?: Filter;
  rule?: { field: string; customFieldKey?: string; operator: string; value?: unknown };
};

function ruleHolds(rule: NonNullable<Filter['rule']>, row: Seeded): boolean {
  const v = rule.value;
  switch (rule.field) {
    case 'NAME': {
      const name = row.name.toLowerCase();
      const text = String(v).trim().toLowerCase();
      return rule.operator === 'CONTAINS' ? name.includes(text) : rule.operator === 'STARTS_WITH' ? name.startsWith(text) : name === text;
    }
    case 'STATUS':
      return rule.operator === 'IN' ? (v as string[]).includes(row.statusId) : row.statusId === v;
    case 'ACTIVE':
      return rule.operator === 'IS_TRUE' ? row.active : !row.active;
    case 'TYPE':
      return row.typeId === v;
    case 'CREATED_AT':
      return rule.operator === 'AFTER' ? row.createdAt > new Date(v as string) : row.createdAt < new Date(v as string);
    case 'CREDIT_LIMIT':
      if (row.creditLimit === null) return false;
      return rule.operator === 'GREATER_THAN' ? row.creditLimit > (v as number) : row.creditLimit < (v as number);
    case 'CUSTOM_FIELD': {
      const stored = row.customFields[rule.customFieldKey!];
      if (stored === undefined) return false;
      switch (rule.operator) {
        case 'EQUALS':
          return typeof stored === 'string' && typeof v === 'string' && rule.customFieldKey === 'note'
            ? stored.toLowerCase() === v.toLowerCase()
            : stored === v;
        case 'CONTAINS':
          return Array.isArray(stored) ? stored.includes(v) : String(stored).toLowerCase().includes(String(v).toLowerCase());
        case 'GREATER_THAN':
          return (stored as number | string) > (v as number | string);
        case 'LESS_THAN':
          return (stored as number | string) < (v as number | string);
        case 'IN':
          return (v as unknown[]).includes(stored);
        case 'IS_TRUE':
          return stored === true;
        case 'IS_FALSE':
          return stored === false;
      }
      throw new Error(`evaluator: operator ${rule.operator}`);
    }
  }
  throw new Error(`evaluator: field ${rule.field}`);
}

function holds(f: Filter, row: Seeded): boolean {
  if (f.name != null && f.name.trim() !== '' && !row.name.toLowerCase().includes(f.name.trim().toLowerCase())) return false;
  if (f.id != null && row.id !== f.id) return false;
  if (f.active === 'YES' && !row.active) return false;
  if (f.active === 'NO' && row.active) return false;
  if (f.includeDepartments === false && row.isDepartment) return false;
  if (f.all && !f.all.every((c) => holds(c, row))) return false;
  if (f.any && !f.any.some((c) => holds(c, row))) return false;
  if (f.not && holds(f.not, row)) return false;
  if (f.rule && !ruleHolds(f.rule, row)) return false;
  return true;
}

/** Names the evaluator expects, in the API's default order (lower-case name, byte order). */
function expected(filter: Filter, rows: Seeded[] = seeded): string[] {
  return rows
    .filter((r) => holds(filter, r))
    .map((r) => r.name)
    .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
}

const SEARCH = `query($filter: CustomerSearchFilter, $savedSearchId: ID, $first: Int, $after: String) {
  searchCustomers(filter: $filter, savedSearchId: $savedSearchId, first: $first, after: $after) {
    totalCount nodes { name } pageInfo { hasNextPage endCursor }
  }
}`;

async function search(filter: Filter | null, token = org.adminToken, extra: Record<string, unknown> = {}) {
  const res = await server.graphql(SEARCH, { filter, first: 100, ...extra }, token);
  expect(res.errors).toBeUndefined();
  const connection = res.data!.searchCustomers;
  return { names: connection.nodes.map((n: { name: string }) => n.name) as string[], totalCount: connection.totalCount as number };
}

// Three and more levels of nesting, with NOT at several of them.
const deep = (): Filter => ({
  all: [
    {
      any: [
        { rule: { field: 'NAME', operator: 'CONTAINS', value: 'PLUMB' } },
        {
          all: [
            { rule: { field: 'CREDIT_LIMIT', operator: 'GREATER_THAN', value: 30000 } },
            { not: { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'sector', operator: 'EQUALS', value: 'Retail' } } },
          ],
        },
      ],
    },
    {
      not: {
        any: [
          { rule: { field: 'STATUS', operator: 'IN', value: [ref.statuses.Z, ref.statuses.I] } },
          { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'vip', operator: 'IS_TRUE' } },
        ],
      },
    },
    { rule: { field: 'CREATED_AT', operator: 'AFTER', value: '2025-02-15' } },
  ],
});

describe('advanced search', () => {
  it('matches the reference evaluator on nested AND/OR/NOT groups', async () => {
    const filters: Filter[] = [
      deep(),
      {
        includeDepartments: false,
        any: [
          {
            not: {
              all: [
                { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'sector', operator: 'IN', value: ['Retail', 'Housing'] } },
                { not: { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'employees', operator: 'GREATER_THAN', value: 30 } } },
              ],
            },
          },
          { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'renewal', operator: 'LESS_THAN', value: '2026-04-01' } },
        ],
      },
      {
        all: [
          { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'services', operator: 'CONTAINS', value: 'Gas' } },
          { not: { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'vip', operator: 'EQUALS', value: false } } },
          { any: [{ rule: { field: 'TYPE', operator: 'EQUALS', value: ref.types.Private } }, { rule: { field: 'ACTIVE', operator: 'IS_FALSE' } }] },
        ],
      },
      { not: { rule: { field: 'CREDIT_LIMIT', operator: 'LESS_THAN', value: 40000 } } },
      { rule: { field: 'NAME', operator: 'STARTS_WITH', value: 'oak' } },
      { rule: { field: 'NAME', operator: 'EQUALS', value: ' harbour lettings 1 ' } },
      { rule: { field: 'CREATED_AT', operator: 'BEFORE', value: '2025-06-01T00:00:00Z' } },
      { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'note', operator: 'CONTAINS', value: 'smith' } },
      { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'employees', operator: 'EQUALS', value: 21 } },
      { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'renewal', operator: 'GREATER_THAN', value: '2026-09-30' } },
      { rule: { field: 'STATUS', operator: 'EQUALS', value: ref.statuses.A } },
      {
        rule: { field: 'ACTIVE', operator: 'IS_TRUE' },
        not: { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'sector', operator: 'EQUALS', value: 'Housing' } },
      },
      { all: [] },
      { any: [] },
      { not: { any: [] } },
    ];
    const sizes = filters.map((f) => expected(f).length);
    // Most filters pick some customers but not all: a broken compiler could not pass by accident.
    expect(sizes.filter((n) => n > 0 && n < 40).length).toBeGreaterThanOrEqual(filters.length - 3);
    for (const filter of filters) {
      const want = expected(filter);
      const got = await search(filter);
      expect({ filter, names: got.names, totalCount: got.totalCount }).toEqual({ filter, names: want, totalCount: want.length });
    }
    // The filters are not trivial: the deep one picks some customers, not all or none.
    expect(expected(deep()).length).toBeGreaterThan(2);
    expect(expected(deep()).length).toBeLessThan(30);
  });

  it('treats values as values: LIKE wildcards and quotes match themselves', async () => {
    expect((await search({ name: '%' })).names).toEqual([]);
    expect((await search({ rule: { field: 'NAME', operator: 'CONTAINS', value: "_'; drop table customers; --" } })).names).toEqual([]);
    expect((await search({ name: 'oak' })).totalCount).toBe(expected({ name: 'oak' }).length);
  });

  it('pages through the results by keyset, with the same total on every page', async () => {
    const want = expected(deep());
    const names: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const res = await server.graphql<{ searchCustomers: any }>(SEARCH, { filter: deep(), first: 3, after }, org.adminToken);
      const connection: { totalCount: number; nodes: Array<{ name: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } } =
        res.data!.searchCustomers;
      expect(connection.totalCount).toBe(want.length);
      names.push(...connection.nodes.map((n: { name: string }) => n.name));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(names).toEqual(want);
  });

  it('costs the same number of SQL statements for a page of 2 and of 20, whatever is selected', async () => {
    const query = `query($filter: CustomerSearchFilter, $first: Int) { searchCustomers(filter: $filter, first: $first) {
      totalCount nodes { name active status { code } type { name } owner { name } creditLimit { formatted } customFields } } }`;
    const filter = { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'employees', operator: 'GREATER_THAN', value: 0 } };
    const two = await server.graphql(query, { filter, first: 2 }, org.adminToken);
    const twenty = await server.graphql(query, { filter, first: 20 }, org.adminToken);
    expect(two.data!.searchCustomers.nodes).toHaveLength(2);
    expect(twenty.data!.searchCustomers.nodes).toHaveLength(20);
    expect(twenty.statements).toBe(two.statements);
  });
});

describe('basic search', () => {
  it('filters by name, id, active and departments, as the evaluator does', async () => {
    const filters: Filter[] = [
      { name: 'plumb' },
      { name: '  HEATING ', active: 'YES' },
      { active: 'NO' },
      { active: 'ANY', includeDepartments: false },
      { id: seeded[7]!.id },
      { id: seeded[7]!.id, active: seeded[7]!.active ? 'NO' : 'YES' },
    ];
    for (const filter of filters) expect({ filter, names: (await search(filter)).names }).toEqual({ filter, names: expected(filter) });
    expect((await search(null)).totalCount).toBe(40);
  });
});

describe('visibility', () => {
  it('gives a SALES user only the customers they may see, with or without a filter', async () => {
    const own = seeded.filter((r) => r.ownedBySales);
    const all = await search({}, salesToken);
    expect(all.names).toEqual(expected({}, own));
    expect(all.totalCount).toBe(own.length);
    const filtered = await search(deep(), salesToken);
    expect(filtered.names).toEqual(expected(deep(), own));
    const other = seeded.find((r) => !r.ownedBySales)!;
    expect((await search({ id: other.id }, salesToken)).names).toEqual([]);
  });

  it('refuses anonymous callers', async () => {
    const res = await server.graphql(SEARCH, { filter: {} }, null);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('bad filters', () => {
  async function problem(filter: unknown): Promise<{ code: string; argument: string; message: string }> {
    const res = await server.graphql(SEARCH, { filter, first: 10 }, org.adminToken);
    expect(res.data).toBeNull();
    const error = res.errors![0]!;
    return { code: error.extensions!.code, argument: error.extensions!.argument, message: error.message };
  }
  const nameRule = { rule: { field: 'NAME', operator: 'CONTAINS', value: 'a' } };

  it('names the path of an unknown custom field, a wrong value type, a wrong operator and a bad ID', async () => {
    const cases: Array<[unknown, string]> = [
      [
        { all: [nameRule, { not: { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'colour', operator: 'EQUALS', value: 'red' } } }] },
        'filter.all[1].not.rule.customFieldKey',
      ],
      [
        { all: [nameRule, { not: { rule: { field: 'CUSTOM_FIELD', customFieldKey: 'lead_only', operator: 'EQUALS', value: 'x' } } }] },
        'filter.all[1].not.rule.customFieldKey',
      ],
      [{ all: [nameRule, { not: { rule: { field: 'CREDIT_LIMIT', operator: 'GREATER_THAN', value: 'lots' } } }] }, 'filter.all[1].not.rule.value'],
      [{ any: [{ rule: { field: 'CUSTOM_FIELD', customFieldKey: 'employees', operator: 'GREATER_THAN', value: 'ten' } }] }, 'filter.any[0].rule.value'],
      [{ any: [{ rule: { field: 'CUSTOM_FIELD', customFieldKey: 'renewal', operator: 'LESS_THAN', value: '31/12/2026' } }] }, 'filter.any[0].rule.value'],
      [{ any: [{ rule: { field: 'CUSTOM_FIELD', customFieldKey: 'services', operator: 'EQUALS', value: 'Gas' } }] }, 'filter.any[0].rule.operator'],
      [{ rule: { field: 'ACTIVE', operator: 'EQUALS', value: true } }, 'filter.rule.operator'],
      [{ rule: { field: 'ACTIVE', operator: 'IS_TRUE', value: true } }, 'filter.rule.value'],
      [{ rule: { field: 'CREATED_AT', operator: 'AFTER', value: 'yesterday' } }, 'filter.rule.value'],
      [{ rule: { field: 'STATUS', operator: 'EQUALS', value: ref.types.Company } }, 'filter.rule.value'],
      [{ rule: { field: 'STATUS', operator: 'IN', value: [ref.statuses.A, 'nonsense'] } }, 'filter.rule.value[1]'],
      [{ rule: { field: 'NAME', operator: 'CONTAINS', customFieldKey: 'sector', value: 'x' } }, 'filter.rule.customFieldKey'],
      [{ rule: { field: 'CUSTOM_FIELD', operator: 'EQUALS', value: 'x' } }, 'filter.rule.customFieldKey'],
      [{ id: ref.types.Company }, 'filter.id'],
    ];
    for (const [filter, path] of cases) {
      const got = await problem(filter);
      expect({ filter, code: got.code, argument: got.argument }).toEqual({ filter, code: 'BAD_USER_INPUT', argument: path });
      expect(got.message.startsWith(`${path}: `)).toBe(true);
    }
  });

  it('refuses a filter nested deeper than 6 levels, or with more than 50 rules', async () => {
    const nest = (levels: number): Filter => (levels === 1 ? nameRule : { not: nest(levels - 1) });
    expect((await search(nest(6))).names).toEqual(expected(nest(6)));
    expect(await problem(nest(7))).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.not.not.not.not.not.not' });
    const many = (n: number) => ({ all: Array.from({ length: n }, () => nameRule) });
    expect((await search(many(50))).names).toEqual(expected(many(50)));
    expect(await problem(many(51))).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.all[50].rule' });
  });

  it('refuses an unknown field name as bad input', async () => {
    const res = await server.graphql(SEARCH, { filter: { rule: { field: 'COLOUR', operator: 'EQUALS', value: 'red' } } }, org.adminToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toContain('filter.rule.field');
  });
});

describe('saved searches', () => {
  const SAVE = `mutation($input: SaveSearchInput!) {
    saveSearch(input: $input) { savedSearch { id name shared version filter owner { name } } userErrors { field code message } }
  }`;
  const DELETE = `mutation($input: DeleteSavedSearchInput!) { deleteSavedSearch(input: $input) { deletedSavedSearchId userErrors { field code } } }`;
  const LIST = `{ savedSearches(first: 50) { totalCount nodes { name shared } } }`;

  async function savedCount(): Promise<number> {
    const [row] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from saved_searches`);
    return row!.n;
  }

  it('saves, lists, runs, changes and deletes a private search of its owner', async () => {
    const saved = await server.graphql(SAVE, { input: { name: 'My plumbers', filter: deep() } }, salesToken);
    expect(saved.data!.saveSearch.userErrors).toEqual([]);
    const search1 = saved.data!.saveSearch.savedSearch;
    expect(search1).toMatchObject({ name: 'My plumbers', shared: false, version: 1, owner: { name: 'SALES user' } });
    expect((await server.graphql(LIST, {}, salesToken)).data!.savedSearches.nodes).toContainEqual({ name: 'My plumbers', shared: false });

    // Run by its owner, it is the filter run by its owner.
    const run = await search(null, salesToken, { savedSearchId: search1.id });
    expect(run.names).toEqual(
      expected(
        deep(),
        seeded.filter((r) => r.ownedBySales),
      ),
    );
    // Combined with a filter by AND.
    const narrowed = await search({ active: 'YES' }, salesToken, { savedSearchId: search1.id });
    expect(narrowed.names).toEqual(
      expected(
        { all: [deep(), { active: 'YES' }] },
        seeded.filter((r) => r.ownedBySales),
      ),
    );

    // Private: others neither list, run nor fetch it.
    expect((await server.graphql(LIST, {}, managerToken)).data!.savedSearches.nodes).not.toContainEqual({ name: 'My plumbers', shared: false });
    const foreign = await server.graphql(SEARCH, { savedSearchId: search1.id }, managerToken);
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'savedSearchId' });
    const node = await server.graphql(`query($id: ID!) { node(id: $id) { ... on SavedSearch { name filter } } }`, { id: search1.id }, managerToken);
    // Not found, exactly like an ID that does not exist: no error saying it is someone else's.
    expect(node).toMatchObject({ data: { node: null } });
    expect(node.errors).toBeUndefined();
    const notFound = await server.graphql(DELETE, { input: { id: search1.id } }, managerToken);
    expect(errorCodes(notFound.data!.deleteSavedSearch.userErrors)).toEqual(['input.id:NOT_FOUND']);

    const changed = await server.graphql(
      SAVE,
      { input: { id: search1.id, expectedVersion: 1, name: 'Plumbers', shared: true, filter: { name: 'plumb' } } },
      salesToken,
    );
    expect(changed.data!.saveSearch.savedSearch).toMatchObject({
      name: 'Plumbers',
      shared: true,
      version: 2,
      filter: { name: 'plumb', active: 'ANY', includeDepartments: true },
    });
    const stale = await server.graphql(SAVE, { input: { id: search1.id, expectedVersion: 1, name: 'Again', filter: {} } }, salesToken);
    expect(errorCodes(stale.data!.saveSearch.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);

    const deleted = await server.graphql(DELETE, { input: { id: search1.id } }, salesToken);
    expect(deleted.data!.deleteSavedSearch).toEqual({ deletedSavedSearchId: search1.id, userErrors: [] });
    const audit = await selectRows<{ action: string }>(server.database.db, sql`select action from audit_entries where entity_type = 'SavedSearch' order by id`);
    expect(audit.map((a) => a.action)).toEqual(['savedSearch.create', 'savedSearch.update', 'savedSearch.delete']);
  });

  it('shares a search: others list and run it with their own visibility, but only its owner (or an admin) changes it', async () => {
    const saved = await server.graphql(SAVE, { input: { name: 'Active ones', shared: true, filter: { active: 'YES' } } }, salesToken);
    const id = saved.data!.saveSearch.savedSearch.id;
    expect((await server.graphql(LIST, {}, managerToken)).data!.savedSearches.nodes).toContainEqual({ name: 'Active ones', shared: true });
    expect((await search(null, managerToken, { savedSearchId: id })).names).toEqual(expected({ active: 'YES' }));
    expect((await search(null, salesToken, { savedSearchId: id })).names).toEqual(
      expected(
        { active: 'YES' },
        seeded.filter((r) => r.ownedBySales),
      ),
    );
    const change = await server.graphql(SAVE, { input: { id, name: 'Mine now', filter: {} } }, managerToken);
    expect(errorCodes(change.data!.saveSearch.userErrors)).toEqual(['input.id:NOT_PERMITTED']);
    const remove = await server.graphql(DELETE, { input: { id } }, managerToken);
    expect(errorCodes(remove.data!.deleteSavedSearch.userErrors)).toEqual(['input.id:NOT_PERMITTED']);
    const byAdmin = await server.graphql(DELETE, { input: { id } }, org.adminToken);
    expect(byAdmin.data!.deleteSavedSearch.userErrors).toEqual([]);
  });

  it('refuses a bad filter, a duplicate name and READ_ONLY users, saving nothing', async () => {
    await server.graphql(SAVE, { input: { name: 'Taken', filter: {} } }, salesToken);
    const before = await savedCount();
    const bad = await server.graphql(
      SAVE,
      { input: { name: 'Bad', filter: { all: [nameRule(), { not: { rule: { field: 'CREDIT_LIMIT', operator: 'GREATER_THAN', value: 'lots' } } }] } } },
      salesToken,
    );
    expect(errorCodes(bad.data!.saveSearch.userErrors)).toEqual(['input.filter.all.1.not.rule.value:INVALID']);
    expect(bad.data!.saveSearch.userErrors[0].message).toMatch(/^filter\.all\[1\]\.not\.rule\.value: /);
    const duplicate = await server.graphql(SAVE, { input: { name: 'Taken', filter: { name: 'x' } } }, salesToken);
    expect(errorCodes(duplicate.data!.saveSearch.userErrors)).toEqual(['input.name:DUPLICATE']);
    const blank = await server.graphql(SAVE, { input: { name: ' ', filter: {} } }, salesToken);
    expect(errorCodes(blank.data!.saveSearch.userErrors)).toEqual(['input.name:REQUIRED']);
    const readOnly = await org.tokenFor('READ_ONLY');
    const refused = await server.graphql(SAVE, { input: { name: 'RO', filter: {} } }, readOnly);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = await server.graphql(`{ savedSearches { nodes { id name } } }`, {}, salesToken);
    const taken = list.data!.savedSearches.nodes.find((n: { name: string }) => n.name === 'Taken');
    const refusedDelete = await server.graphql(DELETE, { input: { id: taken.id } }, readOnly);
    expect(refusedDelete.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await savedCount()).toBe(before);
  });

  function nameRule(): Filter {
    return { rule: { field: 'NAME', operator: 'CONTAINS', value: 'a' } };
  }
});
