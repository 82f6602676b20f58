// Expected mutation failures. A service throws `UserErrors`; the transaction it runs in rolls back;
// the resolver turns it into the payload's `userErrors`. So a payload with user errors always means
// nothing was written.
import type { z } from 'zod';
import { foreignKeyRace } from '../db/errors';
import type { UserErrorCode } from '../generated/graphql';
import { parseGlobalId, type NodeType } from './ids';

export type UserError = {
  field: string[];
  message: string;
  code: UserErrorCode;
  /** MERGED: the global ID of the customer the named one went into. */
  mergedIntoId?: string;
  /** STATUS_TRANSITION_RESTRICTED: the global ID of the transition rule that refused the change. */
  transitionRuleId?: string;
};

export class UserErrors extends Error {
  constructor(
    readonly errors: UserError[],
    /**
     * Payload members a refusal still answers with, besides its errors: what the client needs to
     * decide what to do next (a creation refused for possible duplicates lists them). Never a changed
     * record: nothing was written.
     */
    readonly answer: Readonly<Record<string, unknown>> = {},
  ) {
    super(errors.map((e) => `${e.field.join('.')}: ${e.message}`).join('; '));
  }
}

export function userError(field: (string | number)[], message: string, code: UserErrorCode): UserErrors {
  return new UserErrors([{ field: field.map(String), message, code }]);
}

/** Runs a mutation's service call and shapes its payload: the result, or user errors and nulls. */
export async function payload<T extends object>(
  run: () => Promise<T>,
  empty: { [K in keyof T]: null },
): Promise<(T | { [K in keyof T]: null }) & { userErrors: UserError[] }> {
  try {
    return { ...(await run()), userErrors: [] };
  } catch (error) {
    if (error instanceof UserErrors) return { ...empty, ...(error.answer as object), userErrors: error.errors };
    const race = foreignKeyRace(error);
    if (race) return { ...empty, userErrors: [raceLost(race)] };
    throw error;
  }
}

/**
 * A change that lost a race with another on a foreign key (its transaction rolled back): the
 * services check what the input refers to, so the database refuses only when the other side
 * changed between that check and the commit. The client's to retry, not a server fault.
 */
function raceLost(race: NonNullable<ReturnType<typeof foreignKeyRace>>): UserError {
  const words = (name: string) => name.replace(/_/g, ' ');
  if (race.kind === 'referenced') {
    const by = race.otherTable ? `new ${words(race.otherTable)}` : 'a new record';
    return { field: ['input', 'id'], message: `id: ${by} came to refer to it while it was being deleted; nothing was changed.`, code: 'INVALID_STATE' };
  }
  const field = race.column ? race.column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : null;
  // customer_types → customer type, addresses → address, statuses → status, activities → activity.
  const what = race.otherTable
    ? words(race.otherTable).replace(/(?:ies|(ss|us|x|ch|sh)es|([^su])s)$/, (ending, es?: string, s?: string) => es ?? s ?? (ending === 'ies' ? 'y' : ending))
    : 'record';
  return {
    field: field ? ['input', field] : ['input'],
    message: `${field ?? 'input'}: the ${what} it refers to was deleted while this change was being made; nothing was saved.`,
    code: 'NOT_FOUND',
  };
}

/** Zod issues → user errors whose `field` is the path from the mutation's `input` argument. */
export function fromZodIssues(issues: z.core.$ZodIssue[], prefix: (string | number)[]): UserErrors {
  return new UserErrors(
    issues.map((issue) => {
      const field = [...prefix, ...issue.path].map(String);
      let code: UserErrorCode = 'INVALID';
      let message = issue.message;
      if (issue.code === 'too_big' && issue.origin === 'string') code = 'TOO_LONG';
      else if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1) code = 'REQUIRED';
      else if (issue.code === 'invalid_type' && issue.input == null) {
        code = 'REQUIRED';
        message = 'is required';
      }
      return { field, message: `${field[field.length - 1]}: ${message}`, code };
    }),
  );
}

/** Parses `input` with a Zod schema, or throws user errors naming each bad field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, prefix: (string | number)[] = ['input']): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw fromZodIssues(result.error.issues, prefix);
  return result.data;
}

/**
 * A global ID inside mutation input → its uuid, or a user error naming the field. Whether the record
 * exists (in this organisation) is the service's next check.
 */
export function inputId<T extends NodeType>(value: string, types: readonly T[], field: (string | number)[]): { type: T; id: string } {
  const parsed = parseGlobalId(value);
  if (!parsed || !(types as readonly string[]).includes(parsed.type)) {
    throw userError(field, `${field[field.length - 1]}: ${JSON.stringify(value)} is not a valid ${types.join(' or ')} ID.`, 'INVALID');
  }
  return parsed as { type: T; id: string };
}

export function notFound(field: (string | number)[], what: string): UserErrors {
  return userError(field, `${field[field.length - 1]}: no ${what} with this ID.`, 'NOT_FOUND');
}
