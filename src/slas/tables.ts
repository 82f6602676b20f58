// Service level agreements (docs/domain.md#service-level-agreements): the organisation's SLA
// definitions (hours to respond and to resolve, per job priority) and the SLA a customer holds of its
// own. A contract names an SLA too (src/contracts/tables.ts); a job copies the deadlines of the SLA
// that applied when it was raised (src/slas/deadlines.ts), with the columns on `jobs`.
import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';

/** How urgent a job is: the SLA's hours are per priority. */
export const jobPriorities = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export type JobPriorityValue = (typeof jobPriorities)[number];
export const jobPriorityEnum = pgEnum('job_priority', jobPriorities);

/** Hours to respond and to resolve, for one priority. */
export type SlaTarget = { responseHours: number; resolutionHours: number };
/** One target for every priority. */
export type SlaTargets = Record<JobPriorityValue, SlaTarget>;

export const slas = pgTable(
  'slas',
  {
    id: id(),
    organisationId: organisationId(),
    name: text('name').notNull(),
    /** Every priority's hours (checked by the service: each priority once, response not after resolution). */
    targets: jsonb('targets').$type<SlaTargets>().notNull(),
    /** Archived SLAs still apply where they are held but cannot be given to a customer or contract again. */
    archived: boolean('archived').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('slas_name_key').on(t.organisationId, sql`lower(${t.name})`)],
);

/**
 * The SLA a customer holds of its own (not through a contract). Setting it replaces the row; a merge
 * can leave the survivor with several (each merged customer's), and the newest applies.
 */
export const customerSlas = pgTable(
  'customer_slas',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    slaId: uuid('sla_id')
      .notNull()
      .references(() => slas.id, { onDelete: 'restrict' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [index('customer_slas_customer_idx').on(t.customerId, t.createdAt, t.id), index('customer_slas_sla_idx').on(t.slaId)],
);

export type SlaRow = typeof slas.$inferSelect;
export type CustomerSlaRow = typeof customerSlas.$inferSelect;
