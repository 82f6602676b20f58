// An event as it leaves the server outside GraphQL: the body of a webhook request (and of anything
// else that carries events as JSON). The same fields as the GraphQL `Event` type, with global IDs.
import { entityGlobalId, toGlobalId } from '../graph/ids';
import type { EventRow } from './tables';

export type EventMessage = {
  id: string;
  type: string;
  timestamp: string;
  data: {
    action: string;
    resourceType: string;
    resourceId: string;
    customerId: string | null;
    resourceVersion: number | null;
    payload: unknown;
    actorId: string | null;
    requestId: string | null;
  };
};

export function eventMessage(e: EventRow): EventMessage {
  return {
    id: e.id,
    type: e.type,
    timestamp: e.occurredAt.toISOString(),
    data: {
      action: e.action,
      resourceType: e.resourceType,
      resourceId: entityGlobalId(e.resourceType, e.resourceId),
      customerId: e.customerId ? toGlobalId('Customer', e.customerId) : null,
      resourceVersion: e.resourceVersion,
      payload: e.payload,
      actorId: e.actorUserId ? toGlobalId('User', e.actorUserId) : null,
      requestId: e.requestId,
    },
  };
}
