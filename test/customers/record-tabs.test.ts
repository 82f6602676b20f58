// The whole customer record, as a frontend renders it tab by tab: Home, Contacts, Branches, Work
// addresses, Assets, Communications, Files, Audit, Access, Service (the customer's SLA, plans,
// contracts and jobs with their SLA deadlines), Service reminders, All Works and Service cases, each
// one GraphQL request, or all of them in
// one. For a page of 50 customers with every tab, the SQL statement count equals that for 5: every
// relation is batched.
import { flows } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
const customerIds: string[] = [];
const reminderIds: string[] = [];
let reminderTypeId: string;

const TABS = `
  id name status { code name } type { name } active creditLimit { formatted } owner { name }
  primaryContact { fullName } defaultAddress(type: BILLING) { formatted }
  contacts(first: 10) { totalCount nodes { fullName emails { address } phones { type number } } }
  branches { name workAddresses(first: 5) { totalCount } }
  workAddresses(first: 10) { totalCount nodes { line1 postcode status occupier { surname } branch { name } assets(first: 5) { totalCount } } }
  assets(first: 10) { totalCount nodes { description serialNumber workAddress { line1 } salesOrder { id } } }
  notes(first: 5) { totalCount nodes { body important author { name } } }
  tasks(first: 5) { totalCount nodes { subject type dueAt } }
  communications(first: 5) { totalCount nodes { channel subject } }
  documents(first: 5) { totalCount nodes { filename sizeBytes sha256 uploadedBy { name } } }
  serviceCases(first: 2) {
    totalCount
    nodes { reference subject status priority breach { breached } assignee { name } asset { description } workAddress { line1 } notes(first: 1) { totalCount nodes { body author { name } } } }
  }
  auditTrail(first: 5) { totalCount nodes { action actor { name } } }
  mergedCustomers { name mergedBy { name } }
  accessGrants { state reason grantee { name } }
  sla { name targets { priority responseHours } }
  servicePlans(first: 5) { totalCount nodes { startDate expiryDate status plan { name price { formatted } } workAddresses { line1 } } }
  contracts(first: 5) { totalCount nodes { reference renewalDate status price { formatted } sla { name } } }
  jobs(first: 5) { totalCount nodes { description priority sla { respondBy responseBreached sla { name } } } }
  serviceReminders(first: 3) { totalCount nodes { dueDate type { name } workAddress { line1 } decisions(first: 1) { totalCount nodes { decision decidedBy { name } } } } }
  allWorks(first: 3) { totalCount nodes { kind occurredAt item { __typename ... on Job { description } ... on Estimate { description } ... on ServiceReminder { dueDate } ... on ServiceReminderDecision { decision } } } }
`;

let engineer: string;

const { mutation: ok, upload } = flows(() => ({ server, token: org.adminToken }));

/** A customer with something in every tab, made through the API as a client would. */
async function fullCustomer(i: number): Promise<string> {
  const created = await ok(
    CREATE_CUSTOMER,
    customerInput(ref, {
      name: `Customer ${String(i).padStart(2, '0')}`,
      contacts: [{ surname: `Contact ${i}`, emails: [{ address: `c${i}@example.test` }] }],
    }),
  );
  const id = created.customer.id as string;
  const branch = await ok(`mutation($input: CreateBranchInput!) { createBranch(input: $input) { branch { id } userErrors { field code } } }`, {
    customerId: id,
    name: `Branch ${i}`,
    line1: '1 Branch Road',
  });
  const work = await ok(`mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { field code } } }`, {
    customerId: id,
    branchId: branch.branch.id,
    line1: `${i} Work Street`,
    postcode: 'AB1 2CD',
  });
  const asset = await ok(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } userErrors { field code } } }`, {
    customerId: id,
    workAddressId: work.workAddress.id,
    description: 'Combi boiler',
    serialNumber: `SN-${i}`,
  });
  const opportunity = await ok(
    `mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } userErrors { field code } } }`,
    {
      recordId: id,
      name: `Boiler renewal ${i}`,
    },
  );
  await ok(`mutation($input: LinkAssetToOpportunityInput!) { linkAssetToOpportunity(input: $input) { asset { id } userErrors { field code } } }`, {
    assetId: asset.asset.id,
    opportunityId: opportunity.opportunity.id,
    kind: 'RENEWAL',
  });
  const serviceCase = await ok(`mutation($input: OpenServiceCaseInput!) { openServiceCase(input: $input) { serviceCase { id } userErrors { field code } } }`, {
    customerId: id,
    assetId: asset.asset.id,
    subject: 'Boiler pressure drops',
    assigneeId: engineer,
  });
  await ok(`mutation($input: AddServiceCaseNoteInput!) { addServiceCaseNote(input: $input) { note { body } userErrors { field code } } }`, {
    id: serviceCase.serviceCase.id,
    body: 'Asked the customer to top up the pressure',
  });
  await ok(`mutation($input: CreateNoteInput!) { createNote(input: $input) { note { id } userErrors { field code } } }`, {
    ownerId: id,
    body: '<b>Key</b> under the mat',
    important: i % 2 === 0,
  });
  await ok(`mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { field code } } }`, {
    ownerId: id,
    type: 'PHONE_CALL',
    subject: 'Book the service',
    dueAt: '2099-01-01T09:00:00Z',
  });
  await ok(`mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { communication { id } userErrors { field code } } }`, {
    ownerId: id,
    channel: 'EMAIL',
    subject: 'Service reminder',
  });
  await upload(id, { bytes: `certificate ${i}\n`, name: `certificate-${i}.txt`, type: 'text/plain' });
  if (i % 3 === 0) {
    await ok(`mutation($input: GrantRecordAccessInput!) { grantRecordAccess(input: $input) { accessGrant { id } userErrors { field code } } }`, {
      recordId: id,
      granteeId: await org.userIdFor('SALES'),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      reason: `Cover for customer ${i}`,
    });
  }
  // Service: the customer's own SLA, a plan covering its work address, a contract granting another SLA, a job.
  await ok(`mutation($input: SetCustomerSlaInput!) { setCustomerSla(input: $input) { customer { id } userErrors { field code } } }`, {
    customerId: id,
    slaId: serviceSetup.ownSlaId,
  });
  await ok(`mutation($input: AssignServicePlanInput!) { assignServicePlan(input: $input) { customerServicePlan { id } userErrors { field code } } }`, {
    customerId: id,
    planId: serviceSetup.planId,
    startDate: '2026-01-01',
    expiryDate: '2099-12-31',
    workAddressIds: [work.workAddress.id],
  });
  await ok(`mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } userErrors { field code } } }`, {
    customerId: id,
    reference: `MC-${i}`,
    termMonths: 12,
    startDate: '2026-01-01',
    autoRenew: true,
    price: { amountMinor: 2000 + i },
    billingFrequency: 'MONTHLY',
    slaId: serviceSetup.contractSlaId,
  });
  await ok(`mutation($input: CreateJobInput!) { createJob(input: $input) { job { id } userErrors { field code } } }`, {
    customerId: id,
    workAddressId: work.workAddress.id,
    description: 'Annual service',
    priority: 'HIGH',
  });
  const reminder = await ok(
    `mutation($input: CreateServiceReminderInput!) { createServiceReminder(input: $input) { serviceReminder { id } userErrors { field code } } }`,
    { workAddressId: work.workAddress.id, typeId: reminderTypeId, dueDate: '2099-03-01' },
  );
  reminderIds.push(reminder.serviceReminder.id);
  return id;
}

/** The organisation's SLAs and service plan, made once. */
const serviceSetup = { ownSlaId: '', contractSlaId: '', planId: '' };

async function createServiceSetup(): Promise<void> {
  const sla = async (name: string, hours: number) =>
    (
      await ok(`mutation($input: CreateSlaInput!) { createSla(input: $input) { sla { id } userErrors { field code } } }`, {
        name,
        targets: ['LOW', 'NORMAL', 'HIGH', 'URGENT'].map((priority) => ({ priority, responseHours: hours, resolutionHours: hours * 4 })),
      })
    ).sla.id as string;
  serviceSetup.ownSlaId = await sla('Standard', 24);
  serviceSetup.contractSlaId = await sla('Gold', 4);
  const plan = await ok(`mutation($input: CreateServicePlanInput!) { createServicePlan(input: $input) { servicePlan { id } userErrors { field code } } }`, {
    name: 'Boiler care',
    tasks: ['Service the boiler'],
    price: { amountMinor: 1500 },
    billingFrequency: 'MONTHLY',
  });
  serviceSetup.planId = plan.servicePlan.id;
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  await createServiceSetup();
  const type = await ok(
    `mutation($input: CreateServiceReminderTypeInput!) { createServiceReminderType(input: $input) { serviceReminderType { id } userErrors { field code } } }`,
    { name: 'Annual service', defaultIntervalMonths: 12 },
  );
  reminderTypeId = type.serviceReminderType.id;
  engineer = await org.userIdFor('SERVICE');
  for (let i = 0; i < 50; i++) customerIds.push(await fullCustomer(i));
  // Every seventh customer has taken over a duplicate of itself (the merged-customers tab).
  for (let i = 0; i < 50; i += 7) {
    const duplicate = await ok(CREATE_CUSTOMER, customerInput(ref, { name: `Customer ${String(i).padStart(2, '0')} (duplicate)` }));
    await ok(`mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id } userErrors { field code } } }`, {
      survivorId: customerIds[i],
      mergedIds: [duplicate.customer.id],
    });
  }
  // Every reminder gets a decision (one batch): the reminders tab lists it, All Works shows it.
  await ok(`mutation($input: DecideServiceRemindersInput!) { decideServiceReminders(input: $input) { results { decided } userErrors { field code } } }`, {
    items: reminderIds.map((reminderId) => ({ reminderId, decision: 'UNKNOWN' })),
  });
}, 300_000);
afterAll(() => server.close());

it('renders one customer, every tab, in a single request', async () => {
  const res = await server.graphql(`query($id: ID!) { customer(id: $id) { ${TABS} } }`, { id: customerIds[7] }, org.adminToken);
  expect(res.errors).toBeUndefined();
  const c = res.data!.customer;
  expect(c.name).toBe('Customer 07');
  expect(c.contacts.nodes[0]).toMatchObject({ fullName: 'Contact 7', emails: [{ address: 'c7@example.test' }] });
  expect(c.branches).toEqual([{ name: 'Branch 7', workAddresses: { totalCount: 1 } }]);
  expect(c.workAddresses.nodes).toEqual([
    {
      line1: '7 Work Street',
      postcode: 'AB1 2CD',
      status: 'ACTIVE',
      occupier: { surname: 'Occupier' },
      branch: { name: 'Branch 7' },
      assets: { totalCount: 1 },
    },
  ]);
  expect(c.assets.nodes).toEqual([
    {
      description: 'Combi boiler',
      serialNumber: 'SN-7',
      workAddress: { line1: '7 Work Street' },
      salesOrder: null,
    },
  ]);
  expect(c.mergedCustomers).toEqual([{ name: 'Customer 07 (duplicate)', mergedBy: { name: expect.any(String) } }]);
  expect(c.notes.nodes[0]).toMatchObject({ body: '<b>Key</b> under the mat', important: false });
  expect(c.tasks.totalCount).toBe(1);
  expect(c.accessGrants).toEqual([]);
  expect(c.communications.nodes).toEqual([{ channel: 'EMAIL', subject: 'Service reminder' }]);
  expect(c.documents.nodes[0]).toMatchObject({ filename: 'certificate-7.txt', sizeBytes: 14 });
  expect(c.serviceReminders.nodes).toEqual([
    {
      dueDate: '2099-03-01',
      type: { name: 'Annual service' },
      workAddress: { line1: '7 Work Street' },
      decisions: { totalCount: 1, nodes: [{ decision: 'UNKNOWN', decidedBy: { name: expect.any(String) } }] },
    },
  ]);
  expect(c.allWorks.nodes.map((n: any) => n.kind)).toEqual(['SERVICE_REMINDER_DECISION', 'SERVICE_REMINDER', 'JOB']);
  expect(c.serviceCases.nodes).toEqual([
    {
      reference: expect.stringMatching(/^CASE-\d{6}$/),
      subject: 'Boiler pressure drops',
      status: 'OPEN',
      priority: 'NORMAL',
      breach: { breached: false },
      assignee: { name: 'SERVICE user' },
      asset: { description: 'Combi boiler' },
      workAddress: { line1: '7 Work Street' },
      notes: { totalCount: 1, nodes: [{ body: 'Asked the customer to top up the pressure', author: { name: expect.any(String) } }] },
    },
  ]);
  // Created, its contact and address, branch, work address, asset, note, task, communication, file.
  expect(c.auditTrail.totalCount).toBeGreaterThanOrEqual(9);
  expect(c.sla).toMatchObject({ name: 'Standard', targets: [{ priority: 'LOW', responseHours: 24 }, {}, {}, {}] });
  expect(c.servicePlans.nodes).toEqual([
    {
      startDate: '2026-01-01',
      expiryDate: '2099-12-31',
      status: 'ACTIVE',
      plan: { name: 'Boiler care', price: { formatted: '£15.00' } },
      workAddresses: [{ line1: '7 Work Street' }],
    },
  ]);
  expect(c.contracts.nodes).toEqual([
    { reference: 'MC-7', renewalDate: '2027-01-01', status: 'ACTIVE', price: { formatted: '£20.07' }, sla: { name: 'Gold' } },
  ]);
  // The contract's SLA (Gold: 4 hours) over the customer's own (Standard).
  expect(c.jobs.nodes).toEqual([
    { description: 'Annual service', priority: 'HIGH', sla: { respondBy: expect.any(String), responseBreached: false, sla: { name: 'Gold' } } },
  ]);
});

it('costs the same number of SQL statements for a page of 50 customers with every tab as for 5', async () => {
  const page = (n: number) => server.graphql(`query($n: Int!) { customers(first: $n, orderBy: { field: NAME }) { nodes { ${TABS} } } }`, { n }, org.adminToken);
  const five = await page(5);
  const fifty = await page(50);
  expect(five.errors).toBeUndefined();
  expect(fifty.errors).toBeUndefined();
  expect(fifty.data!.customers.nodes).toHaveLength(50);
  expect(fifty.data!.customers.nodes.every((c: any) => c.workAddresses.totalCount === 1 && c.documents.totalCount === 1)).toBe(true);
  expect(fifty.data!.customers.nodes.every((c: any) => c.serviceCases.totalCount === 1 && c.serviceCases.nodes[0].notes.totalCount === 1)).toBe(true);
  expect(fifty.data!.customers.nodes.filter((c: any) => c.mergedCustomers.length === 1)).toHaveLength(8);
  expect(fifty.data!.customers.nodes.filter((c: any) => c.accessGrants.length === 1)).toHaveLength(17);
  expect(fifty.data!.customers.nodes[3].accessGrants).toEqual([{ state: 'ACTIVE', reason: 'Cover for customer 3', grantee: { name: expect.any(String) } }]);
  expect(fifty.data!.customers.nodes.every((c: any) => c.servicePlans.totalCount === 1 && c.contracts.totalCount === 1 && c.sla.name === 'Standard')).toBe(
    true,
  );
  expect(fifty.data!.customers.nodes.every((c: any) => c.serviceReminders.totalCount === 1 && c.allWorks.totalCount === 3)).toBe(true);
  expect(fifty.statements).toBe(five.statements);
});
