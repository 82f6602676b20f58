// Two people creating the same unique value at once: the database's unique index decides, and the
// loser should get the same user error as a caller who was checked beforehand, not a 500.
import type { UserErrors } from '../graph/user-errors';

type PgError = { code?: string; constraint?: string; constraint_name?: string };

/** Runs `run`; a unique violation of `constraint` becomes `error()`; anything else is rethrown. */
export async function onUniqueViolation<T>(constraint: string, error: () => UserErrors, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (thrown) {
    // postgres.js errors carry the code themselves; Drizzle wraps them (the driver's error is the cause).
    const e = thrown as PgError & { cause?: PgError };
    const pg = e.cause?.code ? e.cause : e;
    const name = pg.constraint ?? pg.constraint_name;
    if (pgErrorCode(thrown) === '23505' && (name === undefined || name === constraint)) throw error();
    throw thrown;
  }
}

/** PostgreSQL's code for an error: on the error itself (postgres.js, PGlite) or on the driver error Drizzle wraps. */
export function pgErrorCode(thrown: unknown): string | undefined {
  const e = thrown as PgError & { cause?: PgError };
  return (e?.cause?.code ? e.cause : e)?.code;
}

/** The constraint a PostgreSQL error names (a CHECK, a unique index, or one a trigger raises with CONSTRAINT = …). */
export function violatedConstraint(thrown: unknown): string | undefined {
  const e = thrown as PgError & { cause?: PgError };
  const pg = e?.cause?.code ? e.cause : e;
  return pg?.constraint ?? pg?.constraint_name;
}
