// Service reminders (docs/domain.md#service-reminders): the organisation's reminder types (a gas safety check every 12 months, a
// boiler service…) and the reminders that come due per work address, optionally for one of its assets.
// A reminder copies its work address's customer into `customer_id`, so it follows that customer's
// visibility like every row under a customer, and moves with a merge and goes with a deletion.
import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { assets } from '../assets/tables';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { jobs } from '../pipeline/tables';
import { users } from '../tenancy/tables';
import { workAddresses } from '../work-addresses/tables';

export const serviceReminderTypes = pgTable(
  'service_reminder_types',
  {
    id: id(),
    organisationId: organisationId(),
    name: text('name').notNull(),
    /** The interval a new reminder of this type gets unless it is given one: 1 to 120 months. */
    defaultIntervalMonths: integer('default_interval_months').notNull(),
    /** Archived types keep their reminders but are offered for no new ones. */
    archived: boolean('archived').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('service_reminder_types_name_key').on(t.organisationId, sql`lower(${t.name})`)],
);

export const serviceReminders = pgTable(
  'service_reminders',
  {
    id: id(),
    organisationId: organisationId(),
    /** The work address's customer, copied from it (visibility, merge and deletion go by it). */
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    workAddressId: uuid('work_address_id')
      .notNull()
      .references(() => workAddresses.id, { onDelete: 'cascade' }),
    /** The asset the reminder is for; an asset deleted later leaves the reminder on the work address. */
    assetId: uuid('asset_id').references(() => assets.id, { onDelete: 'set null' }),
    typeId: uuid('type_id')
      .notNull()
      .references(() => serviceReminderTypes.id, { onDelete: 'restrict' }),
    dueDate: date('due_date').notNull(),
    intervalMonths: integer('interval_months').notNull(),
    notes: text('notes'),
    /** Set by a CANCEL_FOREVER decision: the reminder is kept (with its decisions) but never due again. */
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    /**
     * Whether the reminder may be sent: its work address is active and its customer's status is
     * neither dormant nor one that stops automated communications. Kept by triggers (migration
     * 0025: on the reminder, its work address, its customer and the status), so the due list is
     * one index range and its count does not join every work address and customer.
     */
    sendable: boolean('sendable').notNull().default(true),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    // The lists' sort key (loaders.ts: the due date as a day number), so each list is one index scan.
    index('service_reminders_work_address_idx').on(t.workAddressId, sql`(${t.dueDate} - date '2000-01-01')`, t.id),
    // The due list: reminders that may be sent, by due day (cancelled ones and those that may not be
    // sent are never due, so not indexed here).
    index('service_reminders_due_idx')
      .on(t.organisationId, sql`(${t.dueDate} - date '2000-01-01')`, t.id)
      .where(sql`${t.cancelledAt} is null and ${t.sendable}`),
    index('service_reminders_customer_idx').on(t.customerId),
    index('service_reminders_asset_idx').on(t.assetId),
    index('service_reminders_type_idx').on(t.typeId),
  ],
);

/** What was decided about a due reminder (docs/domain.md#service-reminder-decisions). */
export const decisionKinds = ['AUTHORISE', 'CANCEL_ONCE', 'CANCEL_FOREVER', 'POSTPONE', 'UNKNOWN'] as const;
export const serviceReminderDecisionEnum = pgEnum('service_reminder_decision', decisionKinds);
/** How the engineer gets in for an authorised job. */
export const accessMethods = ['KEY_HOLDER', 'OCCUPIER', 'LANDLORD', 'AGENT', 'OTHER'] as const;
export const accessMethodEnum = pgEnum('access_method', accessMethods);

/**
 * One decision about one reminder, kept for ever (the reminder's and the work address's history):
 * who decided what and when, the job an authorisation raised, and the due date before and after.
 * Like the reminder, it carries the customer (visibility, merge, deletion).
 */
export const serviceReminderDecisions = pgTable(
  'service_reminder_decisions',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    reminderId: uuid('reminder_id')
      .notNull()
      .references(() => serviceReminders.id, { onDelete: 'cascade' }),
    workAddressId: uuid('work_address_id')
      .notNull()
      .references(() => workAddresses.id, { onDelete: 'cascade' }),
    decision: serviceReminderDecisionEnum('decision').notNull(),
    decidedById: uuid('decided_by_id').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`clock_timestamp()`),
    notes: text('notes'),
    /** AUTHORISE: how the engineer gets in, and the job raised. */
    accessMethod: accessMethodEnum('access_method'),
    accessNotes: text('access_notes'),
    jobId: uuid('job_id').references(() => jobs.id, { onDelete: 'set null' }),
    dueDateBefore: date('due_date_before').notNull(),
    dueDateAfter: date('due_date_after').notNull(),
  },
  (t) => [
    index('service_reminder_decisions_reminder_idx').on(t.reminderId, t.decidedAt, t.id),
    index('service_reminder_decisions_work_address_idx').on(t.workAddressId, t.decidedAt, t.id),
    index('service_reminder_decisions_customer_idx').on(t.customerId, t.decidedAt, t.id),
    index('service_reminder_decisions_job_idx').on(t.jobId),
  ],
);

export type ServiceReminderDecisionRow = typeof serviceReminderDecisions.$inferSelect;
export type ServiceReminderTypeRow = typeof serviceReminderTypes.$inferSelect;
export type ServiceReminderRow = typeof serviceReminders.$inferSelect;
