// Counts the SQL statements run on behalf of one unit of work (a GraphQL request, a test step),
// so that tests can assert that a list's query count does not grow with its length.
import { contextSlot } from '../observability/context-slots';

type Counter = { statements: number };

const slot = contextSlot<Counter>();

/** Called by the database client's logger for every statement it sends. */
export function recordStatement(): void {
  const counter = slot.get();
  if (counter) counter.statements += 1;
}

/** Runs `fn` with a fresh counter; statements issued by anything it awaits are counted. */
export function withStatementCounter<T>(fn: (counter: Counter) => T): T {
  const counter: Counter = { statements: 0 };
  return slot.run(counter, () => fn(counter));
}

export function currentStatementCount(): number | undefined {
  return slot.get()?.statements;
}
