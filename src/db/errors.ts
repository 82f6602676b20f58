// What may be said about a failed database statement, in a log line or a development error: the
// SQLSTATE, the constraint/table/column, and a fingerprint of the query, never its parameters.
// Drizzle's error message is "Failed query: <sql>\nparams: <values>" (names, emails, addresses), and
// PostgreSQL's own messages and details quote values too ('invalid input syntax for type uuid: "…"',
// 'Key (email)=(…) already exists'), so both are redacted here, for every caller.
import { createHash } from 'node:crypto';

export type DatabaseFailure = {
  /** PostgreSQL's five-character error code, e.g. 23505. */
  sqlstate: string;
  constraint?: string;
  table?: string;
  column?: string;
  /** First 12 hex digits of a SHA-256 of the statement's text (parameters are not part of it). */
  queryFingerprint?: string;
  /** PostgreSQL's message with quoted values replaced by "…" (identifiers it names are kept). */
  message: string;
};

type Loose = Record<string, unknown>;

const SQLSTATE = /^[0-9A-Z]{5}$/;

function stringProp(e: Loose, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = e[name];
    if (typeof v === 'string' && v.length > 0 && v.length <= 200) return v;
  }
  return undefined;
}

export function queryFingerprint(sqlText: string): string {
  return createHash('sha256').update(sqlText.replace(/\s+/g, ' ').trim()).digest('hex').slice(0, 12);
}

/** Drizzle's wrapper around a failed statement (`query` and `params` as properties). */
export function isFailedQuery(error: unknown): error is Error & { query: string; params: unknown[] } {
  return error instanceof Error && typeof (error as unknown as Loose).query === 'string' && /^Failed query: /.test(error.message);
}

/** Quoted parts of a PostgreSQL message are values unless they are identifiers the error names. */
export function redactDatabaseMessage(message: string, identifiers: readonly (string | undefined)[] = []): string {
  const known = new Set(identifiers.filter((i): i is string => !!i));
  return message
    .slice(0, 500)
    .replace(/"((?:[^"]|"")*)"/g, (all, inner: string) => (known.has(inner) ? all : '"…"'))
    .replace(/\(([^()]*)\)=\(([^()]*)\)/g, '($1)=(…)');
}

/** `error` and its causes, a few levels down (Drizzle wraps the driver's error as `cause`). */
function* causesOf(error: unknown): Generator<Loose> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    yield current as Loose;
    current = (current as Loose).cause;
  }
}

/** The database failure behind `error` (itself, or its cause, a few levels down), or null. */
export function databaseFailureOf(error: unknown): DatabaseFailure | null {
  let fingerprint: string | undefined;
  for (const e of causesOf(error)) {
    if (isFailedQuery(e)) fingerprint = queryFingerprint(e.query);
    const code = e.code;
    // postgres.js and PGlite name the fields differently (constraint_name vs constraint).
    if (typeof code === 'string' && SQLSTATE.test(code) && (e.severity !== undefined || e.routine !== undefined || e.file !== undefined)) {
      const constraint = stringProp(e, 'constraint', 'constraint_name');
      const table = stringProp(e, 'table', 'table_name');
      const column = stringProp(e, 'column', 'column_name');
      const dataType = stringProp(e, 'dataType', 'data_type', 'data_type_name');
      return {
        sqlstate: code,
        ...(constraint ? { constraint } : {}),
        ...(table ? { table } : {}),
        ...(column ? { column } : {}),
        ...(fingerprint ? { queryFingerprint: fingerprint } : {}),
        message: redactDatabaseMessage(typeof e.message === 'string' ? e.message : '', [constraint, table, column, dataType, 'UTF8']),
      };
    }
  }
  return fingerprint ? { sqlstate: 'unknown', queryFingerprint: fingerprint, message: 'the statement failed' } : null;
}

/** A one-line description for people: "database error 23505 on constraint x (query 3fa2…): message". */
export function describeDatabaseFailure(failure: DatabaseFailure): string {
  const where = [
    failure.constraint && `constraint ${failure.constraint}`,
    failure.table && `table ${failure.table}`,
    failure.column && `column ${failure.column}`,
  ]
    .filter(Boolean)
    .join(', ');
  return `Database error ${failure.sqlstate}${where ? ` (${where})` : ''}${failure.queryFingerprint ? ` in query ${failure.queryFingerprint}` : ''}: ${failure.message}`;
}

/**
 * SQLSTATE class 22 (data exception: bad text representation, out-of-range date or number, NUL in
 * text, value too long) means a value the request supplied got past validation: the client's to fix.
 */
export function isClientDataError(failure: DatabaseFailure | null): boolean {
  return !!failure && failure.sqlstate.startsWith('22');
}

/**
 * A foreign key refused the change because another transaction changed the other side meanwhile:
 * the row referred to was deleted before this one committed (`missing`), or a row being deleted
 * gained a reference (`referenced`). Read from PostgreSQL's detail ("Key (type_id)=(…) is not present
 * in table …" / "… is still referenced from table …"); null for any other failure.
 */
export function foreignKeyRace(error: unknown): { kind: 'missing' | 'referenced'; column: string | null; otherTable: string | null } | null {
  for (const e of causesOf(error)) {
    if (e.code === '23503') {
      const detail = typeof e.detail === 'string' ? e.detail : '';
      const found = /^Key \(([a-z0-9_]+)\)=\(.*\) is (not present in|still referenced from) table "([a-z0-9_]+)"/s.exec(detail);
      if (!found) return { kind: 'missing', column: null, otherTable: null };
      return { kind: found[2] === 'not present in' ? 'missing' : 'referenced', column: found[1]!, otherTable: found[3]! };
    }
  }
  return null;
}
