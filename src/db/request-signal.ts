// Work stopped for a request nobody waits for: the HTTP layer runs each request in a scope with
// an AbortSignal (aborted when the client goes away) and a deadline (REQUEST_TIMEOUT_MS), and the
// database client checks the scope before every statement it sends. A stopped request's next
// statement throws the signal's reason instead of running, so its transaction rolls back and
// nothing further is read or written. The deadline is checked by the clock, not by a timer: the
// embedded database can run a request's statements without yielding to the event loop.
import { contextSlot } from '../observability/context-slots';

export type RequestScope = {
  signal: AbortSignal;
  /** Epoch milliseconds after which the request issues no more statements; Infinity for none. */
  deadline: number;
  /** Aborts the signal with the timeout's reason. */
  expire(): void;
  /**
   * Set once a mutation field of the request has made its change: from then on the deadline no
   * longer stops it (a client must see every change that was kept); a client that left still does.
   */
  settled?: boolean;
};

const slot = contextSlot<RequestScope>();

/** Runs `fn` (and everything it awaits) on behalf of a request that `scope` may stop. */
export function withRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return slot.run(scope, fn);
}

/** The scope of the request being served, if any. */
export function currentRequestScope(): RequestScope | undefined {
  return slot.get();
}

/** Called before every statement: a stopped request issues no more SQL. */
export function throwIfRequestStopped(): void {
  const scope = slot.get();
  if (!scope) return;
  if (!scope.signal.aborted && !scope.settled && Date.now() > scope.deadline) scope.expire();
  if (scope.signal.aborted) throw scope.signal.reason;
}
