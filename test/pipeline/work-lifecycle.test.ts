// The work lifecycle over GraphQL (docs/domain.md#the-work-lifecycle): every move of a job and of a
// sales order, allowed and refused (INVALID_STATE naming the current status), its validation, its
// audit entry, what it stores, and how invoicing treats cancelled and free-of-charge jobs.
import { flows, type UntypedData } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const JOB = `job { id status version scheduledFor outcome completedAt abortReason abortedAt cancelReason cancelledAt freeOfCharge }`;
const ORDER = `salesOrder { id status version completedAt cancelledAt cancelReason convertedToAssetsAt }`;

let customerId: string;
let workAddressId: string;

beforeAll(async () => {
  customerId = await createCustomer('Lifecycle Lettings');
  workAddressId = (await mutate('createWorkAddress', { customerId, line1: '1 Elm Road', postcode: 'BS1 1AA' }, 'workAddress { id }')).workAddress.id;
});

async function job(description = 'Boiler service'): Promise<{ id: string; version: number }> {
  return (await mutate('createJob', { customerId, workAddressId, description }, 'job { id version }')).job;
}

/** Runs a job move; returns its payload without checking it. */
async function attempt(name: string, input: Record<string, unknown>, token = org.adminToken, inputType?: string) {
  const type = inputType ?? name[0]!.toUpperCase() + name.slice(1) + 'Input';
  const selection = name.endsWith('SalesOrder') ? ORDER : JOB;
  const data = await gql(`mutation($input: ${type}!) { ${name}(input: $input) { ${selection} userErrors { field code message } } }`, { input }, token);
  return data[name] as { job?: UntypedData | null; salesOrder?: UntypedData | null; userErrors: Array<{ field: string[]; code: string; message: string }> };
}

async function trail(entityId: string): Promise<Array<{ action: string; before: UntypedData; after: UntypedData }>> {
  const data = await gql(`query($id: ID!) { customer(id: $id) { auditTrail(first: 100) { nodes { action entityId before after } } } }`, { id: customerId });
  return data.customer.auditTrail.nodes.filter((e: { entityId: string }) => e.entityId === entityId);
}

const WHEN = '2030-03-01T09:00:00.000Z';

describe('jobs', () => {
  it('schedules and reschedules an open job, audited', async () => {
    const j = await job();
    const first = await attempt('scheduleJob', { id: j.id, expectedVersion: j.version, scheduledFor: WHEN });
    expect(first.userErrors).toEqual([]);
    expect(first.job).toMatchObject({ status: 'SCHEDULED', scheduledFor: WHEN, version: j.version + 1 });
    const again = await attempt('scheduleJob', { id: j.id, expectedVersion: j.version + 1, scheduledFor: '2030-03-02T09:00:00.000Z' });
    expect(again.job).toMatchObject({ status: 'SCHEDULED', scheduledFor: '2030-03-02T09:00:00.000Z' });
    const stale = await attempt('scheduleJob', { id: j.id, expectedVersion: j.version, scheduledFor: WHEN });
    expect(errorCodes(stale.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const entries = await trail(j.id);
    expect(entries.map((e) => e.action)).toEqual(['job.schedule', 'job.schedule', 'job.create']);
    expect(entries[1]).toMatchObject({ before: { status: 'OPEN' }, after: { status: 'SCHEDULED' } });
  });

  it('completes an open or scheduled job with its outcome, completion time defaulting to now', async () => {
    const open = await job();
    const before = Date.now();
    const done = await attempt('completeJob', { id: open.id, expectedVersion: open.version, outcome: '  Serviced, flue checked  ' });
    expect(done.userErrors).toEqual([]);
    expect(done.job).toMatchObject({ status: 'COMPLETED', outcome: 'Serviced, flue checked', freeOfCharge: false });
    expect(new Date(done.job!.completedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);

    const booked = await job();
    await attempt('scheduleJob', { id: booked.id, scheduledFor: WHEN });
    const at = '2026-01-05T10:30:00.000Z';
    const later = await attempt('completeJob', { id: booked.id, outcome: 'Repaired', completedAt: at, freeOfCharge: true });
    expect(later.job).toMatchObject({ status: 'COMPLETED', outcome: 'Repaired', completedAt: at, freeOfCharge: true });
    expect((await trail(booked.id))[0]).toMatchObject({ action: 'job.complete', after: { status: 'COMPLETED', outcome: 'Repaired', freeOfCharge: true } });
  });

  it('validates completeJob: outcome required and bounded, completion not in the future', async () => {
    const j = await job();
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ outcome: '   ' }, ['input.outcome:REQUIRED']],
      [{ outcome: 'x'.repeat(1001) }, ['input.outcome:TOO_LONG']],
      [{ outcome: 'Done', completedAt: '2099-01-01T00:00:00Z' }, ['input.completedAt:INVALID']],
    ];
    for (const [input, expected] of cases) {
      const res = await attempt('completeJob', { id: j.id, ...input });
      expect(errorCodes(res.userErrors)).toEqual(expected);
      expect(res.job).toBeNull();
    }
    const notAJob = await attempt('completeJob', { id: customerId, outcome: 'Done' });
    expect(errorCodes(notAJob.userErrors)).toEqual(['input.id:INVALID']);
  });

  it('aborts only a scheduled job, with a required reason', async () => {
    const open = await job();
    const refused = await attempt('abortJob', { id: open.id, reason: 'No access' });
    expect(errorCodes(refused.userErrors)).toEqual(['input.id:INVALID_STATE']);
    expect(refused.userErrors[0]!.message).toContain('the job is OPEN');
    await attempt('scheduleJob', { id: open.id, scheduledFor: WHEN });
    const blank = await attempt('abortJob', { id: open.id, reason: ' ' });
    expect(errorCodes(blank.userErrors)).toEqual(['input.reason:REQUIRED']);
    const aborted = await attempt('abortJob', { id: open.id, reason: 'No access: nobody home' });
    expect(aborted.job).toMatchObject({ status: 'ABORTED', abortReason: 'No access: nobody home' });
    expect(aborted.job!.abortedAt).toBeTruthy();
    expect((await trail(open.id))[0]).toMatchObject({ action: 'job.abort', before: { status: 'SCHEDULED' }, after: { status: 'ABORTED' } });
  });

  it('cancels an open or scheduled job, the reason optional', async () => {
    const open = await job();
    const plain = await attempt('cancelJob', { id: open.id });
    expect(plain.job).toMatchObject({ status: 'CANCELLED', cancelReason: null });
    expect(plain.job!.cancelledAt).toBeTruthy();
    const booked = await job();
    await attempt('scheduleJob', { id: booked.id, scheduledFor: WHEN });
    const why = await attempt('cancelJob', { id: booked.id, reason: 'Customer sold the house' });
    expect(why.job).toMatchObject({ status: 'CANCELLED', cancelReason: 'Customer sold the house' });
    expect((await trail(booked.id))[0]!.action).toBe('job.cancel');
  });

  it('refuses every move out of a closed state, naming the status, and writes nothing', async () => {
    const completed = await job();
    await attempt('completeJob', { id: completed.id, outcome: 'Done' });
    const cancelled = await job();
    await attempt('cancelJob', { id: cancelled.id });
    const aborted = await job();
    await attempt('scheduleJob', { id: aborted.id, scheduledFor: WHEN });
    await attempt('abortJob', { id: aborted.id, reason: 'No parts' });
    const moves: Array<[string, Record<string, unknown>]> = [
      ['scheduleJob', { scheduledFor: WHEN }],
      ['completeJob', { outcome: 'Done' }],
      ['abortJob', { reason: 'Why' }],
      ['cancelJob', {}],
    ];
    for (const [status, j] of [
      ['COMPLETED', completed],
      ['CANCELLED', cancelled],
      ['ABORTED', aborted],
    ] as const) {
      for (const [name, input] of moves) {
        const res = await attempt(name, { id: j.id, ...input });
        expect({ name, status, codes: errorCodes(res.userErrors) }).toEqual({ name, status, codes: ['input.id:INVALID_STATE'] });
        expect(res.userErrors[0]!.message).toContain(`the job is ${status}`);
      }
    }
    const read = await gql(`query($id: ID!) { node(id: $id) { ... on Job { status version } } }`, { id: completed.id });
    expect(read.node).toEqual({ status: 'COMPLETED', version: 2 });
    const freeCancelled = await attempt('markJobFreeOfCharge', { id: cancelled.id });
    expect(errorCodes(freeCancelled.userErrors)).toEqual(['input.id:INVALID_STATE']);
  });

  it('marks a job free of charge (and back), which invoicing then refuses; bookkeepers only', async () => {
    const j = await job();
    const service = await org.tokenFor('SERVICE');
    const forbidden = await server.graphql(
      `mutation($input: MarkJobFreeOfChargeInput!) { markJobFreeOfCharge(input: $input) { job { id } } }`,
      { input: { id: j.id } },
      service,
    );
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byService = await attempt('completeJob', { id: j.id, outcome: 'Done', freeOfCharge: true }, service);
    expect(errorCodes(byService.userErrors)).toEqual(['input.freeOfCharge:NOT_PERMITTED']);

    const free = await attempt('markJobFreeOfCharge', { id: j.id, expectedVersion: j.version }, await org.tokenFor('FINANCE'));
    expect(free.job).toMatchObject({ status: 'OPEN', freeOfCharge: true });
    expect((await trail(j.id))[0]).toMatchObject({ action: 'job.freeOfCharge', before: { freeOfCharge: false }, after: { freeOfCharge: true } });

    const invoice = (jobId: string) =>
      server.graphql(
        `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } userErrors { field code message } } }`,
        { input: { customerId, lines: [], jobs: [{ jobId, lines: [{ description: 'Service', quantity: '1', unitPriceMinor: 5000 }] }] } },
        org.adminToken,
      );
    const refused = (await invoice(j.id)).data!.createInvoice;
    expect(errorCodes(refused.userErrors)).toEqual(['input.jobs.0.jobId:INVALID_STATE']);
    expect(refused.userErrors[0].message).toContain('free of charge');

    const chargeable = await attempt('markJobFreeOfCharge', { id: j.id, freeOfCharge: false });
    expect(chargeable.job).toMatchObject({ freeOfCharge: false });
    const billed = (await invoice(j.id)).data!.createInvoice;
    expect(billed.userErrors).toEqual([]);
    // On a live invoice: neither cancelled nor made free of charge (void the invoice first); completing is fine.
    expect(errorCodes((await attempt('markJobFreeOfCharge', { id: j.id })).userErrors)).toEqual(['input.id:INVALID_STATE']);
    expect(errorCodes((await attempt('cancelJob', { id: j.id })).userErrors)).toEqual(['input.id:INVALID_STATE']);
    expect((await attempt('completeJob', { id: j.id, outcome: 'Done' })).job).toMatchObject({ status: 'COMPLETED' });
  });

  it('invoices completed jobs, never cancelled ones', async () => {
    const completed = await job();
    await attempt('completeJob', { id: completed.id, outcome: 'Done' });
    const cancelled = await job();
    await attempt('cancelJob', { id: cancelled.id });
    const res = await server.graphql(
      `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id jobs { id } } userErrors { field code message } } }`,
      {
        input: {
          customerId,
          lines: [],
          jobs: [
            { jobId: completed.id, lines: [{ description: 'Service', quantity: '1', unitPriceMinor: 5000 }] },
            { jobId: cancelled.id, lines: [{ description: 'Service', quantity: '1', unitPriceMinor: 5000 }] },
          ],
        },
      },
      org.adminToken,
    );
    expect(errorCodes(res.data!.createInvoice.userErrors)).toEqual(['input.jobs.1.jobId:INVALID_STATE']);
    const ok = await server.graphql(
      `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { jobs { id } } userErrors { field code message } } }`,
      { input: { customerId, lines: [], jobs: [{ jobId: completed.id, lines: [{ description: 'Service', quantity: '1', unitPriceMinor: 5000 }] }] } },
      org.adminToken,
    );
    expect(ok.data!.createInvoice.invoice.jobs).toEqual([{ id: completed.id }]);
  });

  it('lets field workers move jobs and refuses READ_ONLY', async () => {
    const j = await job();
    const service = await attempt('scheduleJob', { id: j.id, scheduledFor: WHEN }, await org.tokenFor('SERVICE'));
    expect(service.job).toMatchObject({ status: 'SCHEDULED' });
    const readOnly = await server.graphql(
      `mutation($input: CancelJobInput!) { cancelJob(input: $input) { job { id } } }`,
      { input: { id: j.id } },
      await org.tokenFor('READ_ONLY'),
    );
    expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('sales orders', () => {
  async function salesOrder(): Promise<{ id: string; version: number }> {
    const q = (
      await mutate(
        'createQuote',
        { recordId: customerId, lines: [{ description: 'Boiler', quantity: '1', unitPriceMinor: 150000, taxRatePercent: 20 }] },
        'quote { id }',
      )
    ).quote;
    await mutate('sendQuote', { id: q.id }, 'quote { id }', { inputType: 'QuoteTransitionInput' });
    return (await mutate('signQuote', { quoteId: q.id }, 'salesOrder { id version }')).salesOrder;
  }

  it('completes an open order once; a completed order can still be converted to assets', async () => {
    const o = await salesOrder();
    const done = await attempt('completeSalesOrder', { id: o.id, expectedVersion: o.version }, org.adminToken, 'CloseSalesOrderInput');
    expect(done.userErrors).toEqual([]);
    expect(done.salesOrder).toMatchObject({ status: 'COMPLETED', version: o.version + 1 });
    expect(done.salesOrder!.completedAt).toBeTruthy();
    for (const name of ['completeSalesOrder', 'cancelSalesOrder']) {
      const again = await attempt(name, { id: o.id }, org.adminToken, 'CloseSalesOrderInput');
      expect(errorCodes(again.userErrors)).toEqual(['input.id:INVALID_STATE']);
      expect(again.userErrors[0]!.message).toContain('is COMPLETED');
    }
    await mutate('convertSalesOrderToAssets', { salesOrderId: o.id }, 'salesOrder { id convertedToAssetsAt }');
    expect((await trail(o.id)).map((e) => e.action)).toContain('salesOrder.complete');
  });

  it('cancels an open order with a reason; a cancelled order is not converted; a converted one is not cancelled', async () => {
    const o = await salesOrder();
    const stale = await attempt('cancelSalesOrder', { id: o.id, expectedVersion: o.version + 5 }, org.adminToken, 'CloseSalesOrderInput');
    expect(errorCodes(stale.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const cancelled = await attempt('cancelSalesOrder', { id: o.id, reason: 'Changed their mind' }, org.adminToken, 'CloseSalesOrderInput');
    expect(cancelled.salesOrder).toMatchObject({ status: 'CANCELLED', cancelReason: 'Changed their mind' });
    const again = await attempt('completeSalesOrder', { id: o.id }, org.adminToken, 'CloseSalesOrderInput');
    expect(again.userErrors[0]).toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('is CANCELLED') });
    const convert = await gql(`mutation($input: ConvertSalesOrderToAssetsInput!) { convertSalesOrderToAssets(input: $input) { userErrors { field code } } }`, {
      input: { salesOrderId: o.id },
    });
    expect(errorCodes(convert.convertSalesOrderToAssets.userErrors)).toEqual(['input.salesOrderId:INVALID_STATE']);
    expect((await trail(o.id))[0]).toMatchObject({ action: 'salesOrder.cancel', after: { status: 'CANCELLED', cancelReason: 'Changed their mind' } });

    const converted = await salesOrder();
    await mutate('convertSalesOrderToAssets', { salesOrderId: converted.id }, 'salesOrder { id }');
    const refused = await attempt('cancelSalesOrder', { id: converted.id }, org.adminToken, 'CloseSalesOrderInput');
    expect(refused.userErrors[0]).toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('converted to assets') });
  });

  it('is for sellers: SERVICE may not close an order', async () => {
    const o = await salesOrder();
    const res = await server.graphql(
      `mutation($input: CloseSalesOrderInput!) { completeSalesOrder(input: $input) { salesOrder { id } } }`,
      { input: { id: o.id } },
      await org.tokenFor('SERVICE'),
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
