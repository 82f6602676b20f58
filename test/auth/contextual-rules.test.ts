// Fields under a contextual rule (its answer depends on the request alone: isAuthenticated, a role)
// are decided once per request: while the rule says yes, each item of a list resolves its field at
// once; a no, an error or a promise goes to graphql-shield, which refuses as it always has.
// (src/auth/permissions.ts `authorise`.) A small schema of its own, so the counts are exact.
// @database-independent: no database; the PostgreSQL run leaves it out (jest.config.ts).
import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, parse } from 'graphql';
import { allow, rule } from 'graphql-shield';
import { authorise } from '../../src/auth/permissions';

type Ctx = { viewer: string | null };
/** What a graphql-shield rule may answer. */
type RuleResult = boolean | string | Error;

function schemaWith(decide: (ctx: Ctx) => RuleResult | Promise<RuleResult>) {
  const calls = { rule: 0 };
  const signedIn = rule('signedIn', { cache: 'contextual' })((_parent, _args, ctx: Ctx) => {
    calls.rule += 1;
    return decide(ctx);
  });
  const schema = makeExecutableSchema({
    typeDefs: /* GraphQL */ `
      type Query {
        things: [Thing!]!
        node(id: ID!): Thing
        nodes(ids: [ID!]!): [Thing]!
      }
      type Mutation {
        noop: Boolean
      }
      type Subscription {
        nothing: Boolean
      }
      type Thing {
        id: ID!
        name: String!
      }
    `,
    resolvers: {
      Query: { things: () => Array.from({ length: 50 }, (_, i) => ({ id: String(i), name: `Thing ${i}` })) },
      Thing: { name: (thing: { name: string }) => thing.name.toUpperCase() },
    },
  });
  const guarded = authorise(schema, [{ Query: { things: allow }, Mutation: { noop: allow }, Subscription: { nothing: allow }, types: { Thing: signedIn } }]);
  const run = (viewer: string | null) => execute({ schema: guarded, document: parse('{ things { id name } }'), contextValue: { viewer } });
  return { calls, run };
}

it('asks a contextual rule once per request and resolves every item of a list under it', async () => {
  const { calls, run } = schemaWith((ctx) => ctx.viewer !== null);
  const answer = run('someone');
  // Nothing waited on: the whole answer is made at once, without a promise per field.
  expect(answer).not.toBeInstanceOf(Promise);
  const result = await answer;
  expect(result.errors).toBeUndefined();
  const things = (result.data as { things: Array<{ id: string; name: string }> }).things;
  expect(things).toHaveLength(50);
  expect(things[7]).toEqual({ id: '7', name: 'THING 7' });
  // 100 fields under the rule, one answer for the request.
  expect(calls.rule).toBe(1);

  await run('someone else');
  expect(calls.rule).toBe(2);
});

it('refuses through graphql-shield when the rule says no, with its fallback error on every field', async () => {
  const { run } = schemaWith((ctx) => ctx.viewer !== null);
  const result = await run(null);
  expect(result.data).toBeNull();
  expect(result.errors![0]!.message).toBe('You are not allowed to do this.');
  expect(result.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN' });
});

it("gives the rule's own error when it answers with one", async () => {
  const { run } = schemaWith(() => new Error('Sign in first.'));
  const result = await run('someone');
  expect(result.errors![0]!.message).toBe('Sign in first.');
});

it('leaves a rule that answers with a promise to graphql-shield, with the same result', async () => {
  const { calls, run } = schemaWith(async (ctx) => ctx.viewer !== null);
  const allowed = await run('someone');
  expect(allowed.errors).toBeUndefined();
  expect((allowed.data as { things: unknown[] }).things).toHaveLength(50);
  const refused = await run(null);
  expect(refused.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN' });
  // graphql-shield keeps a contextual answer per request too: once per request, plus the first
  // request's probe that found the promise.
  expect(calls.rule).toBe(3);
});
