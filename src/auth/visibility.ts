// What the data layer asks of a visibility policy: which leads and customers (and everything under
// them) a viewer may see, as SQL conditions added to every query — lists and their counts, loaders
// by id, the rows a mutation locks. A record that exists but is not visible is simply not found.
// The policy itself (who sees what) is the access area's (src/access/visibility.ts); it reaches
// requests through the composition, so shared code never imports it.
import type { SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Viewer } from './viewer';

/** The two kinds of record everything else sits under. */
export type RecordKind = 'customer' | 'lead';

export interface Visibility {
  readonly organisationId: string;
  /** The condition on the record table itself; undefined when every record of the kind is visible. */
  record(kind: RecordKind): SQL | undefined;
  /** True when the viewer sees every record of the kind (no condition needed). */
  seesAll(kind: RecordKind): boolean;
  /** The condition for any table: undefined for "no condition". */
  rows(table: PgTable): SQL | undefined;
}

/** Builds a request's visibility from who is asking. */
export type VisibilityPolicy = (organisationId: string, viewer: Viewer | null) => Visibility;
