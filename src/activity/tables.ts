// Activity on a lead or a customer (docs/domain.md#activity), and the contracts it holds with other
// suppliers (docs/domain.md#expiries): notes, tasks, the communications log and expiries. Each row
// belongs to exactly one record (a lead or a customer) and so follows that record's visibility; notes
// and tasks may also name one of the customer's work addresses (the service checks it is the same
// customer's).
import { sql } from 'drizzle-orm';
import { boolean, check, date, index, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { contacts } from '../contacts/tables';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { leads } from '../leads/tables';
import { opportunities } from '../pipeline/tables';
import { users } from '../tenancy/tables';
import { workAddresses } from '../work-addresses/tables';

const customerId = () => uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' });
const leadId = () => uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' });
const workAddressId = () => uuid('work_address_id').references(() => workAddresses.id, { onDelete: 'set null' });
const userId = (name: string) => uuid(name).references(() => users.id, { onDelete: 'set null' });

export const notes = pgTable(
  'notes',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: customerId(),
    leadId: leadId(),
    workAddressId: workAddressId(),
    /** Sanitised HTML: basic formatting and http/https/mailto links only. */
    body: text('body').notNull(),
    /** Pinned: listed before the other notes. */
    important: boolean('important').notNull().default(false),
    doNotWorkWithAgain: boolean('do_not_work_with_again').notNull().default(false),
    actionCode: text('action_code'),
    authorUserId: userId('author_user_id'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    check('notes_one_owner', sql`(${t.customerId} is null) <> (${t.leadId} is null)`),
    check('notes_work_address_of_customer', sql`${t.workAddressId} is null or ${t.customerId} is not null`),
    index('notes_customer_idx').on(t.customerId, t.important, t.createdAt, t.id),
    index('notes_lead_idx').on(t.leadId, t.important, t.createdAt, t.id),
  ],
);

export const taskTypeEnum = pgEnum('task_type', ['APPOINTMENT', 'PHONE_CALL', 'REMINDER', 'EMAIL', 'SMS']);
export const taskPriorityEnum = pgEnum('task_priority', ['LOW', 'NORMAL', 'HIGH']);

export const tasks = pgTable(
  'tasks',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: customerId(),
    leadId: leadId(),
    workAddressId: workAddressId(),
    type: taskTypeEnum('type').notNull(),
    subject: text('subject').notNull(),
    details: text('details'),
    dueAt: timestamp('due_at', { withTimezone: true, mode: 'date' }).notNull(),
    priority: taskPriorityEnum('priority').notNull().default('NORMAL'),
    assigneeUserId: userId('assignee_user_id'),
    createdByUserId: userId('created_by_user_id'),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
    completedByUserId: userId('completed_by_user_id'),
    /** The opportunity an appointment is about (docs/domain.md#renewals-and-upgrades): the same lead's or customer's. */
    opportunityId: uuid('opportunity_id').references(() => opportunities.id, { onDelete: 'set null' }),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    check('tasks_one_owner', sql`(${t.customerId} is null) <> (${t.leadId} is null)`),
    check('tasks_work_address_of_customer', sql`${t.workAddressId} is null or ${t.customerId} is not null`),
    check('tasks_opportunity_for_appointments', sql`${t.opportunityId} is null or ${t.type} = 'APPOINTMENT'`),
    index('tasks_customer_idx').on(t.customerId, t.dueAt, t.id),
    index('tasks_lead_idx').on(t.leadId, t.dueAt, t.id),
    index('tasks_assignee_idx')
      .on(t.assigneeUserId, t.dueAt)
      .where(sql`${t.completedAt} is null`),
  ],
);

export const communicationChannelEnum = pgEnum('communication_channel', ['EMAIL', 'PHONE_CALL', 'SMS']);
export const communicationDirectionEnum = pgEnum('communication_direction', ['OUTBOUND', 'INBOUND']);

/** The communications log: a record of what was sent or said, so it is written once and not edited. */
export const communications = pgTable(
  'communications',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: customerId(),
    leadId: leadId(),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    channel: communicationChannelEnum('channel').notNull(),
    direction: communicationDirectionEnum('direction').notNull().default('OUTBOUND'),
    subject: text('subject'),
    summary: text('summary'),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull(),
    sentByUserId: userId('sent_by_user_id'),
    ...timestamps(),
  },
  (t) => [
    check('communications_one_owner', sql`(${t.customerId} is null) <> (${t.leadId} is null)`),
    index('communications_customer_idx').on(t.customerId, t.sentAt, t.id),
    index('communications_lead_idx').on(t.leadId, t.sentAt, t.id),
  ],
);

/**
 * Contracts the lead or customer holds with other suppliers, and when they end
 * (docs/domain.md#expiries).
 */
export const expiries = pgTable(
  'expiries',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: customerId(),
    leadId: leadId(),
    supplier: text('supplier').notNull(),
    description: text('description').notNull(),
    endsOn: date('ends_on', { mode: 'string' }).notNull(),
    notes: text('notes'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    check('expiries_one_owner', sql`(${t.customerId} is null) <> (${t.leadId} is null)`),
    index('expiries_customer_idx').on(t.customerId, t.endsOn, t.id),
    index('expiries_lead_idx').on(t.leadId, t.endsOn, t.id),
    index('expiries_ends_on_idx').on(t.organisationId, t.endsOn),
  ],
);

export type NoteRow = typeof notes.$inferSelect;
export type TaskRow = typeof tasks.$inferSelect;
export type CommunicationRow = typeof communications.$inferSelect;
export type ExpiryRow = typeof expiries.$inferSelect;
export type TaskType = (typeof taskTypeEnum.enumValues)[number];
