// What a customer export holds so that it can be imported back (docs/domain.md#import-and-export): the
// list of the archive's files, each one table, with how its rows are found for an export (under the
// customers in scope, under a parent file's rows, or the organisation's whole reference list) and what
// each of its columns refers to, which the import (customer-archive-import.ts) remaps. One list for
// both directions, so a file exported is a file the import reads.
//
// Kinds of file:
//   list    an organisation's reference list (customer types, statuses, business units, payment
//           methods, asset groups/makes/models, fuel types, locations, SLAs, service plans, service
//           reminder types): exported whole; the import
//           matches each row by its key (name, or a status's code) in the importing organisation and
//           creates the ones missing.
//   users   the organisation's users (id, email, name): the import matches them by email and never
//           creates one; a user not found becomes the importing user.
//   record  rows under the customers in scope: created anew by the import, ids remapped.
//   export  exported for the record only, not imported (documents' metadata: the bytes are not in the
//           archive, so a restored row would name a file that does not exist).
import { getTableColumns } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { communications, expiries, notes, tasks } from '../activity/tables';
import { addresses } from '../addresses/tables';
import { assetGroups, assetLocations, assetMakes, assetModels, assets, fuelTypes } from '../assets/tables';
import { branches } from '../branches/tables';
import { contacts } from '../contacts/tables';
import { contracts } from '../contracts/tables';
import { creditNoteLines, creditNotes } from '../credit-notes/tables';
import { businessUnits, customers, customerStatuses, customerTypes } from '../customers/tables';
import { documents } from '../documents/tables';
import type { NodeType } from '../graph/ids';
import { invoiceAddresses } from '../invoice-addresses/tables';
import { invoiceJobs, invoiceLines, invoices } from '../invoices/tables';
import { leads } from '../leads/tables';
import { allocations, paymentMethods, payments } from '../payments/tables';
import { estimates, jobs, opportunities, quoteLines, quotes, salesOrderLines, salesOrders } from '../pipeline/tables';
import { assetOpportunityLinks, expiryOpportunities } from '../renewals/tables';
import { serviceCaseNotes, serviceCases } from '../service-cases/tables';
import { customerServicePlans, customerServicePlanWorkAddresses, servicePlans } from '../service-plans/tables';
import { serviceReminderDecisions, serviceReminders, serviceReminderTypes } from '../service-reminders/tables';
import { customerSlas, slas } from '../slas/tables';
import { customerStatusChanges, leadStatusChanges } from '../status-history/tables';
import { users } from '../tenancy/tables';
import { workAddresses } from '../work-addresses/tables';

/** The archive format's name and version, in manifest.json; the import refuses others. */
export const ARCHIVE_FORMAT = 'customer-archive';
export const ARCHIVE_VERSION = 1;

/** A column holding another archived row's id: the file that row is in. */
export type ArchiveReference = {
  file: string;
  /**
   * What the import does when the row referred to is not in the archive (a single-customer export's
   * parent customer or landlord): set the column to null; or, with 'new', give it a new id of its own,
   * the same for every row naming it (a status change's `recordedForId` naming a merged customer, which
   * lives on only in that column). Without it, a missing row is an error.
   */
  whenOutside?: 'null' | 'new';
  /** Other columns of the row set when the reference became null (what made sense only with it). */
  alsoSet?: Record<string, unknown>;
};

export type ArchiveFile = {
  file: string;
  table: PgTable;
  kind: 'list' | 'users' | 'record' | 'export';
  /** The node type of its ids (written as global ids); null when the rows are not nodes (their ids are uuids). */
  type: NodeType | null;
  /** Record files: how the rows under the customers in scope are found. */
  under?: { customer: PgColumn } | { parent: PgColumn; file: string };
  /** Keyset order of the export (also the order rows are imported in). */
  order: PgColumn[];
  /** Columns referring to rows of other files (or of this one). */
  references?: Record<string, ArchiveReference>;
  /** Columns holding users (matched by email, else the importing user). */
  userColumns?: readonly string[];
  /** Lists: the columns a row is matched by in the importing organisation (text compared case-insensitively). */
  matchBy?: readonly string[];
  /** Numbered documents: the number sequence of the `number` column (src/db/sequences.ts). */
  sequence?: string;
  /**
   * Rows that are records of their own, seen by their own visibility too (a lead a customer came
   * from): exported only when the viewer sees them, not merely their customer.
   */
  visibleAs?: 'lead';
  /** Columns left out of the export. */
  omit?: readonly string[];
  /** Whether customer-export.ts writes it already (the files that were there before the archive). */
  original?: boolean;
};

const lists: ArchiveFile[] = [
  {
    file: 'customer_types.csv',
    table: customerTypes,
    kind: 'list',
    type: 'CustomerType',
    order: [customerTypes.createdAt, customerTypes.id],
    matchBy: ['name'],
  },
  {
    file: 'customer_statuses.csv',
    table: customerStatuses,
    kind: 'list',
    type: 'CustomerStatus',
    order: [customerStatuses.createdAt, customerStatuses.id],
    matchBy: ['code'],
  },
  {
    file: 'business_units.csv',
    table: businessUnits,
    kind: 'list',
    type: 'BusinessUnit',
    order: [businessUnits.createdAt, businessUnits.id],
    matchBy: ['name'],
  },
  {
    file: 'payment_methods.csv',
    table: paymentMethods,
    kind: 'list',
    type: 'PaymentMethod',
    order: [paymentMethods.createdAt, paymentMethods.id],
    matchBy: ['name'],
  },
  { file: 'asset_groups.csv', table: assetGroups, kind: 'list', type: 'AssetGroup', order: [assetGroups.createdAt, assetGroups.id], matchBy: ['name'] },
  { file: 'asset_makes.csv', table: assetMakes, kind: 'list', type: 'AssetMake', order: [assetMakes.createdAt, assetMakes.id], matchBy: ['name'] },
  {
    file: 'asset_models.csv',
    table: assetModels,
    kind: 'list',
    type: 'AssetModel',
    order: [assetModels.createdAt, assetModels.id],
    references: { makeId: { file: 'asset_makes.csv' } },
    matchBy: ['makeId', 'name'],
  },
  { file: 'fuel_types.csv', table: fuelTypes, kind: 'list', type: 'FuelType', order: [fuelTypes.createdAt, fuelTypes.id], matchBy: ['name'] },
  {
    file: 'asset_locations.csv',
    table: assetLocations,
    kind: 'list',
    type: 'AssetLocation',
    order: [assetLocations.createdAt, assetLocations.id],
    matchBy: ['name'],
  },
  // An SLA, a plan or a reminder type found by name keeps its own hours, tasks and price: the
  // organisation's definition is the one its customers' records are under.
  { file: 'slas.csv', table: slas, kind: 'list', type: 'Sla', order: [slas.createdAt, slas.id], matchBy: ['name'] },
  { file: 'service_plans.csv', table: servicePlans, kind: 'list', type: 'ServicePlan', order: [servicePlans.createdAt, servicePlans.id], matchBy: ['name'] },
  {
    file: 'service_reminder_types.csv',
    table: serviceReminderTypes,
    kind: 'list',
    type: 'ServiceReminderType',
    order: [serviceReminderTypes.createdAt, serviceReminderTypes.id],
    matchBy: ['name'],
  },
];

/**
 * A customer's row naming a lead (a contact, a note, an opportunity… belongs to a lead or a customer,
 * never both, so on a customer's row it is empty): the lead, when it is one the customers came from.
 */
const LEAD: ArchiveReference = { file: 'leads.csv', whenOutside: 'null' };

/** Every file of the archive, in the order the import writes them (a row after the rows it refers to). */
export const ARCHIVE_FILES: readonly ArchiveFile[] = [
  ...lists,
  { file: 'users.csv', table: users, kind: 'users', type: 'User', order: [users.createdAt, users.id], omit: ['role', 'deactivatedAt', 'version'] },
  {
    file: 'customers.csv',
    table: customers,
    kind: 'record',
    type: 'Customer',
    original: true,
    under: { customer: customers.id },
    order: [customers.createdAt, customers.id],
    references: {
      parentCustomerId: { file: 'customers.csv', whenOutside: 'null' },
      typeId: { file: 'customer_types.csv' },
      statusId: { file: 'customer_statuses.csv' },
      businessUnitId: { file: 'business_units.csv' },
    },
    userColumns: ['ownerId', 'createdById'],
  },
  {
    // The leads the customers came from (converted into them): the lead itself and its status history.
    // A lead's own copies of the contacts and addresses it gave the customer are not carried.
    file: 'leads.csv',
    table: leads,
    kind: 'record',
    type: 'Lead',
    under: { customer: leads.convertedCustomerId },
    visibleAs: 'lead',
    order: [leads.createdAt, leads.id],
    references: { convertedCustomerId: { file: 'customers.csv' } },
    userColumns: ['ownerId', 'convertedById', 'createdById'],
  },
  {
    // `seq` is the database's order of writing (one sequence for every organisation): not exported;
    // rows are written in the file's order, so the new numbers keep it.
    file: 'lead_status_changes.csv',
    table: leadStatusChanges,
    kind: 'record',
    type: null,
    under: { parent: leadStatusChanges.leadId, file: 'leads.csv' },
    order: [leadStatusChanges.seq],
    references: { leadId: { file: 'leads.csv' } },
    userColumns: ['changedById'],
    omit: ['seq'],
  },
  {
    file: 'customer_status_changes.csv',
    table: customerStatusChanges,
    kind: 'record',
    type: null,
    under: { customer: customerStatusChanges.customerId },
    order: [customerStatusChanges.seq],
    references: {
      customerId: { file: 'customers.csv' },
      recordedForId: { file: 'customers.csv', whenOutside: 'new' },
      fromStatusId: { file: 'customer_statuses.csv' },
      toStatusId: { file: 'customer_statuses.csv' },
    },
    userColumns: ['changedById'],
    omit: ['seq'],
  },
  {
    file: 'customer_slas.csv',
    table: customerSlas,
    kind: 'record',
    type: null,
    under: { customer: customerSlas.customerId },
    order: [customerSlas.createdAt, customerSlas.id],
    references: { customerId: { file: 'customers.csv' }, slaId: { file: 'slas.csv' } },
  },
  {
    file: 'contacts.csv',
    table: contacts,
    kind: 'record',
    type: 'Contact',
    original: true,
    under: { customer: contacts.customerId },
    order: [contacts.createdAt, contacts.id],
    references: { customerId: { file: 'customers.csv' }, leadId: LEAD },
  },
  {
    file: 'addresses.csv',
    table: addresses,
    kind: 'record',
    type: 'Address',
    original: true,
    under: { customer: addresses.customerId },
    order: [addresses.createdAt, addresses.id],
    references: { customerId: { file: 'customers.csv' }, leadId: LEAD },
  },
  {
    file: 'invoice_addresses.csv',
    table: invoiceAddresses,
    kind: 'record',
    type: 'InvoiceAddress',
    under: { customer: invoiceAddresses.customerId },
    order: [invoiceAddresses.createdAt, invoiceAddresses.id],
    // A landlord not in the archive (a single customer's export): the address stays, as its own.
    references: { customerId: { file: 'customers.csv' }, landlordCustomerId: { file: 'customers.csv', whenOutside: 'null' } },
  },
  {
    file: 'branches.csv',
    table: branches,
    kind: 'record',
    type: 'Branch',
    under: { customer: branches.customerId },
    order: [branches.createdAt, branches.id],
    references: { customerId: { file: 'customers.csv' } },
  },
  {
    file: 'work_addresses.csv',
    table: workAddresses,
    kind: 'record',
    type: 'WorkAddress',
    original: true,
    under: { customer: workAddresses.customerId },
    order: [workAddresses.createdAt, workAddresses.id],
    references: {
      customerId: { file: 'customers.csv' },
      branchId: { file: 'branches.csv' },
      // Invoices cannot go to a landlord who is not there.
      landlordCustomerId: { file: 'customers.csv', whenOutside: 'null', alsoSet: { landlordIsInvoiceAddress: false } },
    },
  },
  {
    file: 'contracts.csv',
    table: contracts,
    kind: 'record',
    type: 'Contract',
    under: { customer: contracts.customerId },
    order: [contracts.createdAt, contracts.id],
    references: { customerId: { file: 'customers.csv' }, slaId: { file: 'slas.csv' } },
  },
  {
    file: 'customer_service_plans.csv',
    table: customerServicePlans,
    kind: 'record',
    type: 'CustomerServicePlan',
    under: { customer: customerServicePlans.customerId },
    order: [customerServicePlans.createdAt, customerServicePlans.id],
    references: { customerId: { file: 'customers.csv' }, planId: { file: 'service_plans.csv' } },
  },
  {
    file: 'customer_service_plan_work_addresses.csv',
    table: customerServicePlanWorkAddresses,
    kind: 'record',
    type: null,
    under: { parent: customerServicePlanWorkAddresses.customerServicePlanId, file: 'customer_service_plans.csv' },
    order: [customerServicePlanWorkAddresses.customerServicePlanId, customerServicePlanWorkAddresses.workAddressId],
    references: { customerServicePlanId: { file: 'customer_service_plans.csv' }, workAddressId: { file: 'work_addresses.csv' } },
  },
  {
    file: 'assets.csv',
    table: assets,
    kind: 'record',
    type: 'Asset',
    under: { customer: assets.customerId },
    order: [assets.createdAt, assets.id],
    references: {
      customerId: { file: 'customers.csv' },
      workAddressId: { file: 'work_addresses.csv' },
      groupId: { file: 'asset_groups.csv' },
      makeId: { file: 'asset_makes.csv' },
      modelId: { file: 'asset_models.csv' },
      fuelTypeId: { file: 'fuel_types.csv' },
      locationId: { file: 'asset_locations.csv' },
      // No foreign key: the sales order line may be another customer's (a moved asset); then none.
      salesOrderLineId: { file: 'sales_order_lines.csv', whenOutside: 'null' },
    },
  },
  {
    file: 'opportunities.csv',
    table: opportunities,
    kind: 'record',
    type: 'Opportunity',
    under: { customer: opportunities.customerId },
    order: [opportunities.createdAt, opportunities.id],
    references: { customerId: { file: 'customers.csv' }, leadId: LEAD },
    userColumns: ['ownerId'],
  },
  {
    file: 'quotes.csv',
    table: quotes,
    kind: 'record',
    type: 'Quote',
    under: { customer: quotes.customerId },
    order: [quotes.createdAt, quotes.id],
    references: { customerId: { file: 'customers.csv' }, opportunityId: { file: 'opportunities.csv' }, leadId: LEAD },
    sequence: 'QUOTE',
  },
  {
    file: 'quote_lines.csv',
    table: quoteLines,
    kind: 'record',
    type: null,
    under: { parent: quoteLines.quoteId, file: 'quotes.csv' },
    order: [quoteLines.id],
    references: {
      quoteId: { file: 'quotes.csv' },
      assetGroupId: { file: 'asset_groups.csv' },
      assetMakeId: { file: 'asset_makes.csv' },
      assetModelId: { file: 'asset_models.csv' },
      assetId: { file: 'assets.csv', whenOutside: 'null' },
    },
  },
  {
    file: 'sales_orders.csv',
    table: salesOrders,
    kind: 'record',
    type: 'SalesOrder',
    under: { customer: salesOrders.customerId },
    order: [salesOrders.createdAt, salesOrders.id],
    references: { customerId: { file: 'customers.csv' }, quoteId: { file: 'quotes.csv' } },
    userColumns: ['convertedToAssetsById'],
    sequence: 'SALES_ORDER',
  },
  {
    file: 'sales_order_lines.csv',
    table: salesOrderLines,
    kind: 'record',
    type: null,
    under: { parent: salesOrderLines.salesOrderId, file: 'sales_orders.csv' },
    order: [salesOrderLines.id],
    references: {
      salesOrderId: { file: 'sales_orders.csv' },
      quoteLineId: { file: 'quote_lines.csv', whenOutside: 'null' },
      assetGroupId: { file: 'asset_groups.csv' },
      assetMakeId: { file: 'asset_makes.csv' },
      assetModelId: { file: 'asset_models.csv' },
    },
  },
  {
    file: 'jobs.csv',
    table: jobs,
    kind: 'record',
    type: 'Job',
    under: { customer: jobs.customerId },
    order: [jobs.createdAt, jobs.id],
    references: { customerId: { file: 'customers.csv' }, workAddressId: { file: 'work_addresses.csv' }, slaId: { file: 'slas.csv' } },
  },
  {
    file: 'estimates.csv',
    table: estimates,
    kind: 'record',
    type: 'Estimate',
    under: { customer: estimates.customerId },
    order: [estimates.createdAt, estimates.id],
    references: { customerId: { file: 'customers.csv' }, workAddressId: { file: 'work_addresses.csv' } },
  },
  {
    // `sendable` is the database's (a trigger works it out again from the work address and the customer's status).
    file: 'service_reminders.csv',
    table: serviceReminders,
    kind: 'record',
    type: 'ServiceReminder',
    under: { customer: serviceReminders.customerId },
    order: [serviceReminders.createdAt, serviceReminders.id],
    references: {
      customerId: { file: 'customers.csv' },
      workAddressId: { file: 'work_addresses.csv' },
      assetId: { file: 'assets.csv', whenOutside: 'null' },
      typeId: { file: 'service_reminder_types.csv' },
    },
  },
  {
    file: 'service_reminder_decisions.csv',
    table: serviceReminderDecisions,
    kind: 'record',
    type: 'ServiceReminderDecision',
    under: { customer: serviceReminderDecisions.customerId },
    order: [serviceReminderDecisions.decidedAt, serviceReminderDecisions.id],
    references: {
      customerId: { file: 'customers.csv' },
      reminderId: { file: 'service_reminders.csv' },
      workAddressId: { file: 'work_addresses.csv' },
      jobId: { file: 'jobs.csv', whenOutside: 'null' },
    },
    userColumns: ['decidedById'],
  },
  {
    file: 'service_cases.csv',
    table: serviceCases,
    kind: 'record',
    type: 'ServiceCase',
    under: { customer: serviceCases.customerId },
    order: [serviceCases.createdAt, serviceCases.id],
    references: {
      customerId: { file: 'customers.csv' },
      assetId: { file: 'assets.csv', whenOutside: 'null' },
      workAddressId: { file: 'work_addresses.csv', whenOutside: 'null' },
    },
    userColumns: ['assigneeUserId', 'openedByUserId'],
    sequence: 'SERVICE_CASE',
  },
  {
    file: 'service_case_notes.csv',
    table: serviceCaseNotes,
    kind: 'record',
    type: null,
    under: { parent: serviceCaseNotes.caseId, file: 'service_cases.csv' },
    order: [serviceCaseNotes.createdAt, serviceCaseNotes.id],
    references: { caseId: { file: 'service_cases.csv' }, customerId: { file: 'customers.csv' } },
    userColumns: ['authorUserId'],
  },
  {
    file: 'notes.csv',
    table: notes,
    kind: 'record',
    type: 'Note',
    under: { customer: notes.customerId },
    order: [notes.createdAt, notes.id],
    references: { customerId: { file: 'customers.csv' }, workAddressId: { file: 'work_addresses.csv' }, leadId: LEAD },
    userColumns: ['authorUserId'],
  },
  {
    file: 'tasks.csv',
    table: tasks,
    kind: 'record',
    type: 'Task',
    under: { customer: tasks.customerId },
    order: [tasks.createdAt, tasks.id],
    references: {
      customerId: { file: 'customers.csv' },
      workAddressId: { file: 'work_addresses.csv' },
      opportunityId: { file: 'opportunities.csv' },
      leadId: LEAD,
    },
    userColumns: ['assigneeUserId', 'createdByUserId', 'completedByUserId'],
  },
  {
    file: 'communications.csv',
    table: communications,
    kind: 'record',
    type: 'Communication',
    under: { customer: communications.customerId },
    order: [communications.createdAt, communications.id],
    references: { customerId: { file: 'customers.csv' }, contactId: { file: 'contacts.csv' }, leadId: LEAD },
    userColumns: ['sentByUserId'],
  },
  {
    file: 'expiries.csv',
    table: expiries,
    kind: 'record',
    type: 'Expiry',
    under: { customer: expiries.customerId },
    order: [expiries.createdAt, expiries.id],
    references: { customerId: { file: 'customers.csv' }, leadId: LEAD },
  },
  {
    file: 'asset_opportunity_links.csv',
    table: assetOpportunityLinks,
    kind: 'record',
    type: null,
    under: { parent: assetOpportunityLinks.assetId, file: 'assets.csv' },
    order: [assetOpportunityLinks.createdAt, assetOpportunityLinks.id],
    references: { assetId: { file: 'assets.csv' }, opportunityId: { file: 'opportunities.csv' } },
    userColumns: ['linkedByUserId'],
  },
  {
    file: 'expiry_opportunities.csv',
    table: expiryOpportunities,
    kind: 'record',
    type: null,
    under: { parent: expiryOpportunities.expiryId, file: 'expiries.csv' },
    order: [expiryOpportunities.createdAt, expiryOpportunities.id],
    references: { expiryId: { file: 'expiries.csv' }, opportunityId: { file: 'opportunities.csv' } },
    userColumns: ['raisedByUserId'],
  },
  {
    file: 'documents.csv',
    table: documents,
    kind: 'export',
    type: 'Document',
    under: { customer: documents.customerId },
    order: [documents.createdAt, documents.id],
    omit: ['storageKey'],
  },
  {
    file: 'invoices.csv',
    table: invoices,
    kind: 'record',
    type: 'Invoice',
    original: true,
    under: { customer: invoices.customerId },
    order: [invoices.createdAt, invoices.id],
    references: {
      customerId: { file: 'customers.csv' },
      contactId: { file: 'contacts.csv' },
      invoiceAddressId: { file: 'invoice_addresses.csv' },
    },
    sequence: 'INVOICE',
  },
  {
    file: 'invoice_lines.csv',
    table: invoiceLines,
    kind: 'record',
    type: null,
    under: { parent: invoiceLines.invoiceId, file: 'invoices.csv' },
    order: [invoiceLines.id],
    references: { invoiceId: { file: 'invoices.csv' }, jobId: { file: 'jobs.csv' } },
  },
  {
    file: 'invoice_jobs.csv',
    table: invoiceJobs,
    kind: 'record',
    type: null,
    under: { parent: invoiceJobs.invoiceId, file: 'invoices.csv' },
    order: [invoiceJobs.invoiceId, invoiceJobs.jobId],
    references: { invoiceId: { file: 'invoices.csv' }, jobId: { file: 'jobs.csv' } },
  },
  {
    file: 'credit_notes.csv',
    table: creditNotes,
    kind: 'record',
    type: 'CreditNote',
    original: true,
    under: { customer: creditNotes.customerId },
    order: [creditNotes.createdAt, creditNotes.id],
    references: { customerId: { file: 'customers.csv' }, invoiceId: { file: 'invoices.csv' } },
    sequence: 'CREDIT_NOTE',
  },
  {
    file: 'credit_note_lines.csv',
    table: creditNoteLines,
    kind: 'record',
    type: null,
    under: { parent: creditNoteLines.creditNoteId, file: 'credit_notes.csv' },
    order: [creditNoteLines.id],
    references: { creditNoteId: { file: 'credit_notes.csv' } },
  },
  {
    file: 'payments.csv',
    table: payments,
    kind: 'record',
    type: 'Payment',
    original: true,
    under: { customer: payments.customerId },
    order: [payments.createdAt, payments.id],
    references: { customerId: { file: 'customers.csv' }, methodId: { file: 'payment_methods.csv' } },
  },
  {
    file: 'allocations.csv',
    table: allocations,
    kind: 'record',
    type: 'Allocation',
    under: { parent: allocations.invoiceId, file: 'invoices.csv' },
    order: [allocations.createdAt, allocations.id],
    references: { invoiceId: { file: 'invoices.csv' }, paymentId: { file: 'payments.csv' }, creditNoteId: { file: 'credit_notes.csv' } },
    userColumns: ['createdBy'],
  },
];

export const archiveFileNamed = new Map(ARCHIVE_FILES.map((f) => [f.file, f]));

/** The columns of a file, as exported (by their TypeScript names): all but the organisation and the omitted ones. */
export function archiveColumns(file: Pick<ArchiveFile, 'table' | 'omit'>): string[] {
  return Object.keys(getTableColumns(file.table)).filter((k) => k !== 'organisationId' && !file.omit?.includes(k));
}

/** The id column's name, or null for a table without one (invoice_jobs). */
export function idColumn(file: ArchiveFile): 'id' | null {
  return 'id' in getTableColumns(file.table) ? 'id' : null;
}

// Checked once, at start: every column named exists, and every file referred to comes first or is this one.
for (const [index, f] of ARCHIVE_FILES.entries()) {
  const columns = getTableColumns(f.table);
  for (const name of [...Object.keys(f.references ?? {}), ...(f.userColumns ?? []), ...(f.matchBy ?? []), ...(f.omit ?? [])]) {
    if (!(name in columns)) throw new Error(`customer archive: ${f.file} has no column ${name}`);
  }
  for (const [column, ref] of Object.entries(f.references ?? {})) {
    const at = ARCHIVE_FILES.findIndex((g) => g.file === ref.file);
    // A reference to a later file is allowed only where no foreign key holds it (assets → sales order lines).
    if (at < 0 || (at > index && column !== 'salesOrderLineId')) throw new Error(`customer archive: ${f.file}.${column} refers to ${ref.file}, not before it`);
  }
}
