// Expected mutation failures. A service throws `UserErrors`; the transaction it runs in rolls back;
// the resolver turns it into the payload's `userErrors`. So a payload with user errors always means
// nothing was written.
import type { z } from 'zod';
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
    throw error;
  }
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
