// The access area's visibility policy: which leads and customers a viewer may see, as SQL the data layer adds to every query: lists and
// their counts, loaders by id (`customer`, `node`, nested paths like a contact's `customer`), and the
// rows a mutation locks. A record that exists but is not visible is simply not found.
//
// Who sees what (docs/domain.md#access-and-visibility):
//   ADMIN, MANAGER, READ_ONLY     every lead and customer of the organisation;
//   SERVICE, FINANCE              every customer (work and money happen on any of them), and the
//                                 leads they own or hold a live grant for;
//   SALES                         the leads and customers they own or hold a live grant for;
//   a portal token                its one customer, and no leads.
// Everything under a record (contacts, addresses, and later notes, documents, invoices…) follows
// the record: a table with a `customerId` or `leadId` column is filtered through its parent.
// A private saved search is its owner's alone.
import { eq, isNotNull, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { seeAllCustomers, seeAllLeads, type RoleSet } from '../auth/roles';
import type { Viewer } from '../auth/viewer';
import type { RecordKind, Visibility } from '../auth/visibility';
import { customers } from '../customers/tables';
import { leads } from '../leads/tables';
import { savedSearches } from '../search/tables';
import { accessGrants } from './tables';

/** Roles that see every record of a kind without owning it or holding a grant. */
export const SEES_ALL: Record<RecordKind, RoleSet> = { customer: seeAllCustomers, lead: seeAllLeads };

const recordTables = { customer: customers, lead: leads } as const;
const grantColumns = { customer: accessGrants.customerId, lead: accessGrants.leadId } as const;

/** A grant that is live now: not revoked, and now within [startsAt, endsAt). */
export function liveGrant(kind: RecordKind, recordId: SQL | PgColumn, userId: string): SQL {
  return sql`exists (select 1 from ${accessGrants} where ${grantColumns[kind]} = ${recordId} and ${accessGrants.granteeUserId} = ${userId} and ${accessGrants.revokedAt} is null and ${accessGrants.startsAt} <= now() and ${accessGrants.endsAt} > now())`;
}

/** The organisation's visibility policy (src/auth/visibility.ts is the shape the data layer relies on). */
export class RecordVisibility implements Visibility {
  constructor(
    readonly organisationId: string,
    private readonly viewer: Viewer | null,
  ) {}

  /** The condition on the record table itself; undefined when every record of the kind is visible. */
  record(kind: RecordKind): SQL | undefined {
    const viewer = this.viewer;
    if (viewer === null) return sql`false`;
    if (viewer.kind === 'portal') return kind === 'customer' ? eq(customers.id, viewer.portal.customerId) : sql`false`;
    if (SEES_ALL[kind].includes(viewer.role)) return undefined;
    const table = recordTables[kind];
    return or(eq(table.ownerId, viewer.userId), liveGrant(kind, table.id, viewer.userId))!;
  }

  /** A saved search is its owner's, or everyone's in the organisation when shared. */
  private savedSearches(): SQL | undefined {
    const viewer = this.viewer;
    if (viewer === null || viewer.kind === 'portal') return sql`false`;
    return or(eq(savedSearches.shared, true), eq(savedSearches.ownerId, viewer.userId))!;
  }

  /** True when the viewer sees every record of the kind (no condition needed). */
  seesAll(kind: RecordKind): boolean {
    return this.record(kind) === undefined;
  }

  /**
   * The condition for any table: records by their own rule, rows under a record through their
   * parent, other tables (reference lists, users) unconditionally; undefined for "no condition".
   */
  rows(table: PgTable): SQL | undefined {
    if (table === customers) return this.record('customer');
    if (table === leads) return this.record('lead');
    if (table === savedSearches) return this.savedSearches();
    const columns = table as unknown as { customerId?: PgColumn; leadId?: PgColumn };
    const parts: Array<{ kind: RecordKind; column: PgColumn }> = [];
    if (columns.customerId) parts.push({ kind: 'customer', column: columns.customerId });
    if (columns.leadId) parts.push({ kind: 'lead', column: columns.leadId });
    if (parts.length === 0 || parts.every((p) => this.record(p.kind) === undefined)) return undefined;
    return or(
      ...parts.map(({ kind, column }) => {
        const condition = this.record(kind);
        const parent = recordTables[kind];
        return condition === undefined ? isNotNull(column) : sql`${column} in (select ${parent.id} from ${parent} where ${condition})`;
      }),
    )!;
  }
}

/** The policy as the composition hands it to every request (src/graph/area.ts). */
export function visibilityFor(organisationId: string, viewer: Viewer | null): Visibility {
  return new RecordVisibility(organisationId, viewer);
}
