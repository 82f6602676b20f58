// Deleting a work address (refused while it has open jobs, or a history that would go with it;
// its reminders go with it; audited on the customer) and the landlord rule: a work address's
// landlord changes only while it is the invoice address (docs/domain.md#work-addresses).
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const DELETE = `mutation($input: DeleteWorkAddressInput!) { deleteWorkAddress(input: $input) { deletedWorkAddressId userErrors { field code message } } }`;
const UPDATE = `mutation($input: UpdateWorkAddressInput!) { updateWorkAddress(input: $input) {
  workAddress { id version landlord { id } landlordIsInvoiceAddress } userErrors { field code message } } }`;

async function workAddress(customerId: string, extra: Record<string, unknown> = {}): Promise<{ id: string; version: number }> {
  return (await mutate('createWorkAddress', { customerId, line1: '1 Elm Road', postcode: 'BS1 1AA', ...extra }, 'workAddress { id version }')).workAddress;
}

async function remove(id: string, token = org.adminToken, expectedVersion?: number) {
  const res = await server.graphql(DELETE, { input: { id, expectedVersion } }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.deleteWorkAddress as { deletedWorkAddressId: string | null; userErrors: Array<{ field: string[]; code: string; message: string }> };
}

const exists = async (id: string) => (await gql(`query($id: ID!) { node(id: $id) { id } }`, { id })).node !== null;

describe('deleteWorkAddress', () => {
  it('deletes one without history, its reminders with it, audited on the customer', async () => {
    const customerId = await createCustomer('Delete Lettings');
    const wa = await workAddress(customerId);
    const typeId = (await mutate('createServiceReminderType', { name: 'Gas safety', defaultIntervalMonths: 12 }, 'serviceReminderType { id }'))
      .serviceReminderType.id;
    const reminderId = (await mutate('createServiceReminder', { workAddressId: wa.id, typeId, dueDate: '2030-01-01' }, 'serviceReminder { id }'))
      .serviceReminder.id;

    const stale = await remove(wa.id, org.adminToken, wa.version + 1);
    expect(errorCodes(stale.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const done = await remove(wa.id, org.adminToken, wa.version);
    expect(done).toEqual({ deletedWorkAddressId: wa.id, userErrors: [] });
    expect(await exists(wa.id)).toBe(false);
    expect(await exists(reminderId)).toBe(false);

    const trail = await gql(
      `query($id: ID!) { customer(id: $id) { workAddresses { totalCount } auditTrail(first: 5) { nodes { action entityType before } } } }`,
      {
        id: customerId,
      },
    );
    expect(trail.customer.workAddresses.totalCount).toBe(0);
    const [entry] = trail.customer.auditTrail.nodes;
    expect(entry).toMatchObject({ action: 'workAddress.delete', entityType: 'Customer', before: { workAddress: { line1: '1 Elm Road' } } });
    expect(entry.before.serviceReminders).toHaveLength(1);

    const again = await remove(wa.id);
    expect(errorCodes(again.userErrors)).toEqual(['input.id:NOT_FOUND']);
  });

  it('refuses while open jobs exist, naming how many; then while closed jobs, estimates or assets would go with it', async () => {
    const customerId = await createCustomer('Busy Lettings');
    const wa = await workAddress(customerId);
    const job = async () => (await mutate('createJob', { customerId, workAddressId: wa.id, description: 'Service' }, 'job { id }')).job.id;
    const first = await job();
    const second = await job();
    await mutate('scheduleJob', { id: second, scheduledFor: '2030-01-01T09:00:00Z' }, 'job { id }');
    const open = await remove(wa.id);
    expect(errorCodes(open.userErrors)).toEqual(['input.id:INVALID_STATE']);
    expect(open.userErrors[0]!.message).toContain('2 open jobs');

    await mutate('completeJob', { id: first, outcome: 'Done' }, 'job { id }');
    await mutate('cancelJob', { id: second }, 'job { id }');
    const closed = await remove(wa.id);
    expect(errorCodes(closed.userErrors)).toEqual(['input.id:INVALID_STATE']);
    expect(closed.userErrors[0]!.message).toContain('2 closed jobs');
    expect(await exists(wa.id)).toBe(true);
    expect(await exists(first)).toBe(true);

    const plain = await workAddress(customerId, { line1: '2 Elm Road' });
    await mutate('createEstimate', { customerId, workAddressId: plain.id, description: 'New boiler', amount: { amountMinor: 100000 } }, 'estimate { id }');
    await mutate('createAsset', { customerId, workAddressId: plain.id, description: 'Boiler' }, 'asset { id }');
    const history = await remove(plain.id);
    expect(history.userErrors[0]).toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('1 estimate, 1 asset') });
  });

  it('is for those who keep work addresses: READ_ONLY is refused, and another viewer cannot see it', async () => {
    const customerId = await createCustomer('Guarded Lettings');
    const wa = await workAddress(customerId);
    const readOnly = await server.graphql(DELETE, { input: { id: wa.id } }, await org.tokenFor('READ_ONLY'));
    expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const sales = await remove(wa.id, await org.tokenFor('SALES'));
    expect(errorCodes(sales.userErrors)).toEqual(['input.id:NOT_FOUND']);
    expect(await exists(wa.id)).toBe(true);
  });
});

describe('the landlord of a work address', () => {
  it('changes only while it is the invoice address (or in the same change that makes it so)', async () => {
    const tenant = await createCustomer('Tenant Ltd');
    const landlord = await createCustomer('First Landlord');
    const other = await createCustomer('Second Landlord');
    const wa = await workAddress(tenant, { landlordId: landlord });

    const refused = await server.graphql(UPDATE, { input: { id: wa.id, landlordId: other } }, org.adminToken);
    expect(errorCodes(refused.data!.updateWorkAddress.userErrors)).toEqual(['input.landlordId:INVALID_STATE']);
    expect(refused.data!.updateWorkAddress.userErrors[0].message).toContain('landlordIsInvoiceAddress');
    // The same landlord again changes nothing about it: allowed.
    const same = await server.graphql(UPDATE, { input: { id: wa.id, landlordId: landlord, preferences: 'Keys at agent' } }, org.adminToken);
    expect(same.data!.updateWorkAddress.userErrors).toEqual([]);

    const together = await server.graphql(UPDATE, { input: { id: wa.id, landlordId: other, landlordIsInvoiceAddress: true } }, org.adminToken);
    expect(together.data!.updateWorkAddress.workAddress).toMatchObject({ landlord: { id: other }, landlordIsInvoiceAddress: true });
    const whileInvoiced = await server.graphql(UPDATE, { input: { id: wa.id, landlordId: landlord } }, org.adminToken);
    expect(whileInvoiced.data!.updateWorkAddress.workAddress).toMatchObject({ landlord: { id: landlord }, landlordIsInvoiceAddress: true });

    const turnedOff = await server.graphql(UPDATE, { input: { id: wa.id, landlordId: other, landlordIsInvoiceAddress: false } }, org.adminToken);
    expect(errorCodes(turnedOff.data!.updateWorkAddress.userErrors)).toEqual(['input.landlordId:INVALID_STATE']);
  });

  it('can always be removed', async () => {
    const tenant = await createCustomer('Leaving Tenant');
    const landlord = await createCustomer('Old Landlord');
    const wa = await workAddress(tenant, { landlordId: landlord });
    const cleared = await server.graphql(UPDATE, { input: { id: wa.id, landlordId: null } }, org.adminToken);
    expect(cleared.data!.updateWorkAddress.workAddress).toMatchObject({ landlord: null, landlordIsInvoiceAddress: false });
  });
});
