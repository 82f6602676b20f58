// The money mutations' refusal of payment card data (PCI DSS: the server never holds a card number
// or a security code). Areas that declare `refusesCardData` (src/graph/area.ts) have every mutation
// wrapped here: before the resolver runs, every string in its arguments, at any depth (a line's
// description, a payment's reference, a credit note's reason, an ID, an idempotency key), is looked
// through for a card number, as is every whole number (an amount typed in from the wrong box), and
// every JSON key for a security code's name. One found is a user
// error naming the field (INVALID), the number never repeated; nothing has run, so nothing is written
// and nothing logged.
import { getNamedType, GraphQLNonNull, GraphQLObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { containsCardNumber, isSecurityCodeName } from './card-data';
import { findInInput, type InputFinding } from './input-walk';
import type { UserError } from './user-errors';

/** The user error for card data found in a mutation's arguments; its field is the path from the argument. */
export function cardDataError(found: InputFinding): UserError {
  const field = found.path.map(String);
  const named = found.path.reduce<string>((label, p) => (typeof p === 'number' ? `${label}[${p}]` : p), '');
  const securityCode = found.key && isSecurityCodeName(field[field.length - 1] ?? '');
  const message = securityCode
    ? `${named}: a card security code (CVC) is never accepted or stored; leave it out (the payment provider takes it from the cardholder).`
    : `${named}: holds what looks like a payment card number, which is never accepted or stored here; remove it (keep cards with the payment provider and store its token with addStoredCard).`;
  return { field, message, code: 'INVALID' };
}

/** Card data in a mutation's arguments: where the first is, or null. */
export function findCardData(args: Record<string, unknown>): InputFinding | null {
  return findInInput(args, (text, key) => (key ? isSecurityCodeName(text) || containsCardNumber(text) : containsCardNumber(text)));
}

type ResolverMap = Record<string, unknown> & { Mutation?: Record<string, unknown> };

/** The resolver maps with each of `mutations` refusing card data before it runs. */
export function guardCardData(resolvers: readonly object[], mutations: ReadonlySet<string>): object[] {
  if (mutations.size === 0) return [...resolvers];
  return resolvers.map((map) => {
    const { Mutation } = map as ResolverMap;
    if (!Mutation) return map;
    const guarded: Record<string, unknown> = {};
    for (const [name, resolve] of Object.entries(Mutation)) {
      if (!mutations.has(name)) {
        guarded[name] = resolve;
        continue;
      }
      if (typeof resolve !== 'function') throw new Error(`card data guard: Mutation.${name} is not a plain resolver function`);
      const run = resolve as GraphQLFieldResolver<unknown, unknown, Record<string, unknown>>;
      const refusing: GraphQLFieldResolver<unknown, unknown, Record<string, unknown>> = (parent, args, ctx, info) => {
        const found = findCardData(args);
        // The payload's other fields resolve to null, as on any user error.
        if (found) return { userErrors: [cardDataError(found)] };
        return run(parent, args, ctx, info);
      };
      guarded[name] = refusing;
    }
    return { ...map, Mutation: guarded };
  });
}

/**
 * Checks the built schema against the guarded names: each is a mutation whose payload has
 * `userErrors` and nothing else that must be non-null (the refusal gives only user errors).
 */
export function checkCardDataGuard(schema: GraphQLSchema, mutations: ReadonlySet<string>): void {
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const name of mutations) {
    const field = fields[name];
    if (!field) throw new Error(`card data guard: Mutation.${name} is not in the schema`);
    const payload = getNamedType(field.type);
    const payloadFields = payload instanceof GraphQLObjectType ? payload.getFields() : {};
    if (!payloadFields.userErrors) throw new Error(`card data guard: Mutation.${name}'s payload has no userErrors`);
    for (const [member, f] of Object.entries(payloadFields)) {
      if (member !== 'userErrors' && f.type instanceof GraphQLNonNull) {
        throw new Error(`card data guard: ${payload.name}.${member} is non-null, so a refusal of Mutation.${name} could not leave it empty`);
      }
    }
  }
}
