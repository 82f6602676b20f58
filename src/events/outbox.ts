// What an audited change puts in its event (the row is written with the audit entry, in one statement:
// src/audit/service.ts `recordAudit`): the event type, the customer whose record it belongs to, and
// the resource's version after the change.
import { isUuid } from '../graph/ids';
import { eventTypeOf } from './types';

function field(row: unknown, key: string): unknown {
  return row && typeof row === 'object' ? (row as Record<string, unknown>)[key] : undefined;
}

function uuidOrNull(value: unknown): string | null {
  return typeof value === 'string' && isUuid(value) ? value : null;
}

/** A uuid a recorded row names under `key` (`customerId`, `leadId`), or null. */
export function uuidField(row: unknown, key: string): string | null {
  return uuidOrNull(field(row, key));
}

export function eventColumns(change: { action: string; entityType: string; entityId: string; before?: unknown; after?: unknown }): {
  type: string;
  customer_id: string | null;
  resource_version: number | null;
} {
  const customerId = change.entityType === 'Customer' ? change.entityId : (uuidField(change.after, 'customerId') ?? uuidField(change.before, 'customerId'));
  // A deletion's version is the last one; a change recorded without its version (partial `after`) has none.
  const version = change.after != null ? field(change.after, 'version') : field(change.before, 'version');
  return {
    type: eventTypeOf(change.action),
    customer_id: uuidOrNull(customerId),
    resource_version: typeof version === 'number' && Number.isInteger(version) ? version : null,
  };
}
