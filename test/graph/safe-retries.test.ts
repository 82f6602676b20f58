// Safe retries and versions everywhere (CONVENTIONS "Safe retries", issue 14 item 8), walked over the
// whole schema: every mutation that creates something takes an `idempotencyKey`, and every one that
// changes or deletes a record takes an `expectedVersion`. A new mutation without them fails here.
// @database-independent: it reads the SDL only, so the PostgreSQL run leaves it out (jest.config.ts).
import { mergeTypeDefs } from '@graphql-tools/merge';
import { buildASTSchema, getNamedType, isInputObjectType, parse, type GraphQLField } from 'graphql';
import { loadSdlInOrder } from '../../src/graph/sdl-files';

const schema = buildASTSchema(mergeTypeDefs(loadSdlInOrder().map((sdl) => parse(sdl))));
const mutations = Object.values(schema.getMutationType()!.getFields());

function inputFields(field: GraphQLField<unknown, unknown>): string[] {
  const input = field.args.find((a) => a.name === 'input');
  const type = input ? getNamedType(input.type) : null;
  return type && isInputObjectType(type) ? Object.keys(type.getFields()) : [];
}

const CREATING = /^(create|add|log|save|grant|record|register|issue|duplicate|open|raise)[A-Z]/;
const CHANGING = /^(update|delete|remove|revoke|rename|set|reorder|link|unlink|merge|deactivate|archive|change|cancel|void|move|assign)[A-Z]/;

it('finds the mutations it walks: creations and changes, named as the conventions name them', () => {
  expect(mutations.filter((m) => CREATING.test(m.name)).length).toBeGreaterThan(40);
  expect(mutations.filter((m) => CHANGING.test(m.name)).length).toBeGreaterThan(40);
});

it('every mutation that creates takes an idempotencyKey', () => {
  const missing = mutations.filter((m) => CREATING.test(m.name) && !inputFields(m).includes('idempotencyKey')).map((m) => m.name);
  expect(missing).toEqual([]);
});

it('every mutation that changes or deletes a record takes an expectedVersion', () => {
  const missing = mutations.filter((m) => CHANGING.test(m.name) && !inputFields(m).includes('expectedVersion')).map((m) => m.name);
  expect(missing).toEqual([]);
});
