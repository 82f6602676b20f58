// The tables whose rows sit under (or point at) a customer or a lead, each declared once by the
// area that owns it (the `children` of its manifest, src/<area>/index.ts). Merging, deleting and
// anonymising a customer and the record's audit trail all read this one list, so a new child table
// cannot be missed by any of them.
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

export type RecordChild = {
  /** The kind of record, as payloads name it (`moved`, `deletedRecords`): its node type where it has one. */
  recordType: string;
  table: PgTable & { id: PgColumn; organisationId: PgColumn };
  /** The column naming the customer the row sits under or points at. */
  customer?: PgColumn;
  /** The column naming the lead the row sits under. */
  lead?: PgColumn;
};
