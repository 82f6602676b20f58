// Fields read by graphql-js's default resolver (no resolver of their own, no arguments: an email's
// address, a phone's number) are read straight from their object without a resolve info or an
// arguments object (patches/graphql+16.15.0.patch, executePlainField). This pins what a client sees
// of them to graphql-js's own behaviour: the values, a method on the object, a promise, a null where
// the schema promises none, a property that throws, and the fields the shortcut leaves alone
// (arguments, isTypeOf, abstract types) still given their full info.
import { buildSchema, execute, type GraphQLObjectType, parse, type GraphQLResolveInfo } from 'graphql';

const schema = buildSchema(`
  type Query { contact: Contact, contacts: [Contact!]! }
  type Contact {
    name: String!
    nickname: String
    emails: [Email!]!
    greeting: String
    later: String
    broken: String
    withArgs(upper: Boolean): String
    tagged: Tagged
    thing: Thing
  }
  type Email { address: String! }
  type Tagged { label: String }
  interface Thing { label: String }
  type Widget implements Thing { label: String }
`);

const seen: Record<string, GraphQLResolveInfo> = {};
(schema.getType('Tagged') as GraphQLObjectType).isTypeOf = (_value, _context, info) => {
  seen.isTypeOf = info;
  return true;
};
(schema.getType('Thing') as unknown as { resolveType: (value: unknown, context: unknown, info: GraphQLResolveInfo) => string }).resolveType = (
  _v,
  _c,
  info,
) => {
  seen.resolveType = info;
  return 'Widget';
};

function contact(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Ada',
    nickname: null,
    emails: [{ address: 'ada@example.com' }, { address: 'ada@example.org' }],
    greeting(args: Record<string, unknown>, _context: unknown, info: GraphQLResolveInfo) {
      return `hello from ${info.parentType.name}.${info.fieldName} with ${JSON.stringify(args)}`;
    },
    later: Promise.resolve('soon'),
    get broken(): string {
      throw new Error('cannot read this');
    },
    withArgs: 'x',
    tagged: { label: 'tag' },
    thing: { label: 'widget' },
    ...overrides,
  };
}

async function run(query: string, rootValue: Record<string, unknown>) {
  return JSON.parse(JSON.stringify(await execute({ schema, document: parse(query), rootValue }))) as Record<string, unknown>;
}

it('reads plain fields, lists of objects, methods and promises as the default resolver does', async () => {
  expect(await run('{ contact { name nickname emails { address } greeting later } }', { contact: contact() })).toEqual({
    data: {
      contact: {
        name: 'Ada',
        nickname: null,
        emails: [{ address: 'ada@example.com' }, { address: 'ada@example.org' }],
        greeting: 'hello from Contact.greeting with {}',
        later: 'soon',
      },
    },
  });
});

it('words a null in a non-null place, and a property that throws, as field errors with their paths', async () => {
  expect(await run('{ contact { name } }', { contact: contact({ name: null }) })).toEqual({
    data: { contact: null },
    errors: [{ message: 'Cannot return null for non-nullable field Contact.name.', locations: [{ line: 1, column: 13 }], path: ['contact', 'name'] }],
  });
  expect(await run('{ contacts { emails { address } } }', { contacts: [contact({ emails: [{ address: null }] })] })).toEqual({
    data: null,
    errors: [
      {
        message: 'Cannot return null for non-nullable field Email.address.',
        locations: [{ line: 1, column: 23 }],
        path: ['contacts', 0, 'emails', 0, 'address'],
      },
    ],
  });
  expect(await run('{ contact { name broken } }', { contact: contact() })).toEqual({
    data: { contact: { name: 'Ada', broken: null } },
    errors: [{ message: 'cannot read this', locations: [{ line: 1, column: 18 }], path: ['contact', 'broken'] }],
  });
});

it('leaves fields with arguments, isTypeOf and abstract types to the full path, with their info', async () => {
  expect(await run('{ contact { withArgs(upper: true) tagged { label } thing { label } } }', { contact: contact() })).toEqual({
    data: { contact: { withArgs: 'x', tagged: { label: 'tag' }, thing: { label: 'widget' } } },
  });
  expect([seen.isTypeOf?.fieldName, seen.isTypeOf?.path.key, seen.resolveType?.fieldName, seen.resolveType?.path.key]).toEqual([
    'tagged',
    'tagged',
    'thing',
    'thing',
  ]);
});
