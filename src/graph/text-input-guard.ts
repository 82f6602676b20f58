// Refuses, before anything runs, text PostgreSQL cannot store: a NUL character (U+0000) anywhere in
// the request's arguments, inline or in variables, at any depth (custom-field JSON keys included).
// PostgreSQL's text and jsonb cannot hold it, so it used to reach the database and come back as an
// INTERNAL_SERVER_ERROR carrying the query. Now it is BAD_USER_INPUT naming where it was.
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type ASTNode, type DocumentNode, type ValueNode } from 'graphql';

const NUL = '\u0000';

function refused(where: string): GraphQLError {
  return new GraphQLError(`${where}: text may not contain a NUL character (U+0000).`, {
    extensions: { code: 'BAD_USER_INPUT', argument: where, http: { status: 400 } },
  });
}

/** The path of the first string (or object key) holding a NUL inside a variable's value, or null. */
function findInValue(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findInValue(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes(NUL)) return `${path} (a key)`;
    const found = findInValue(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

function findInLiteral(node: ValueNode, path: string): string | null {
  switch (node.kind) {
    case Kind.STRING:
      return node.value.includes(NUL) ? path : null;
    case Kind.LIST:
      for (let i = 0; i < node.values.length; i++) {
        const found = findInLiteral(node.values[i]!, `${path}[${i}]`);
        if (found) return found;
      }
      return null;
    case Kind.OBJECT:
      for (const field of node.fields) {
        const found = findInLiteral(field.value, `${path}.${field.name.value}`);
        if (found) return found;
      }
      return null;
    default:
      return null;
  }
}

/** Inline arguments of every field and directive in the document (operations and fragments). */
function findInDocument(document: DocumentNode): string | null {
  const walk = (node: ASTNode, fieldPath: string): string | null => {
    if (node.kind === Kind.FIELD || node.kind === Kind.DIRECTIVE) {
      const name = node.kind === Kind.FIELD ? `${fieldPath}${fieldPath ? '.' : ''}${node.name.value}` : `${fieldPath}@${node.name.value}`;
      for (const argument of node.arguments ?? []) {
        const found = findInLiteral(argument.value, `${name}(${argument.name.value})`);
        if (found) return found;
      }
      if (node.kind === Kind.DIRECTIVE) return null;
      for (const directive of node.directives ?? []) {
        const found = walk(directive, name);
        if (found) return found;
      }
      return node.selectionSet ? walk(node.selectionSet, name) : null;
    }
    if (node.kind === Kind.SELECTION_SET) {
      for (const selection of node.selections) {
        const found = walk(selection, fieldPath);
        if (found) return found;
      }
      return null;
    }
    if (node.kind === Kind.OPERATION_DEFINITION || node.kind === Kind.FRAGMENT_DEFINITION || node.kind === Kind.INLINE_FRAGMENT) {
      for (const directive of node.directives ?? []) {
        const found = walk(directive, fieldPath);
        if (found) return found;
      }
      if (node.kind === Kind.OPERATION_DEFINITION) {
        for (const variable of node.variableDefinitions ?? []) {
          if (variable.defaultValue) {
            const found = findInLiteral(variable.defaultValue, `$${variable.variable.name.value} (default)`);
            if (found) return found;
          }
        }
      }
      return walk(node.selectionSet, fieldPath);
    }
    return null;
  };
  for (const definition of document.definitions) {
    const found = walk(definition, '');
    if (found) return found;
  }
  return null;
}

/** Checks after parsing and validation, before execution: nothing has run when it refuses. */
export const textInputGuardPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document }) {
        for (const [name, value] of Object.entries(request.variables ?? {})) {
          const found = findInValue(value, `$${name}`);
          if (found) throw refused(found);
        }
        // A literal NUL can only be written as an escape (`\u0000`, `\u{0}`): no `\u`, nothing to walk.
        if (typeof request.query === 'string' && !request.query.includes('\\u')) return;
        const found = findInDocument(document);
        if (found) throw refused(found);
      },
    };
  },
};
