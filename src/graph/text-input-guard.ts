// Refuses, before anything runs, text PostgreSQL cannot store: a NUL character (U+0000) anywhere in
// the request's arguments, inline or in variables, at any depth (custom-field JSON keys included).
// PostgreSQL's text and jsonb cannot hold it, so it used to reach the database and come back as an
// INTERNAL_SERVER_ERROR carrying the query. Now it is BAD_USER_INPUT naming where it was.
// Also refused here: a field named like a card security code (CVC) in a variable's value, which no
// input has. Left to the variables' coercion, its error would quote the whole value, code and all;
// this one names the field and never its value (src/graph/card-data.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  Kind,
  typeFromAST,
  type ASTNode,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { isSecurityCodeName } from './card-data';
import { findInInput, type InputPath } from './input-walk';

const NUL = '\u0000';

function refused(where: string): GraphQLError {
  return new GraphQLError(`${where}: text may not contain a NUL character (U+0000).`, {
    extensions: { code: 'BAD_USER_INPUT', argument: where, http: { status: 400 } },
  });
}

/** `$name.a[0].b`: where in a variable's value. */
function variablePath(name: string, path: InputPath): string {
  return `$${name}${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
}

/** The path of the first string (or object key) holding a NUL inside a variable's value, or null. */
function findInValue(value: unknown, name: string): string | null {
  const found = findInInput(value, (text) => text.includes(NUL));
  if (!found) return null;
  // A key is not printed (it holds the NUL): the object it is in is named instead.
  return found.key ? `${variablePath(name, found.path.slice(0, -1))} (a key)` : variablePath(name, found.path);
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

/**
 * A field the schema does not have, named like a card security code, in a variable's value: its
 * path, or null. The value is walked with its input type, so a JSON scalar's own keys (custom
 * fields) are not taken for fields; inside an unknown field every key counts.
 */
function findSecurityCode(type: GraphQLInputType, value: unknown, path: InputPath): InputPath | null {
  if (type instanceof GraphQLNonNull) return findSecurityCode(type.ofType, value, path);
  if (type instanceof GraphQLList) {
    if (!Array.isArray(value)) return findSecurityCode(type.ofType, value, path);
    for (let i = 0; i < value.length && path.length < 64; i++) {
      const found = findSecurityCode(type.ofType, value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (!(type instanceof GraphQLInputObjectType) || value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const fields = type.getFields();
  for (const [key, item] of Object.entries(value)) {
    const field = fields[key];
    if (!field) {
      if (isSecurityCodeName(key)) return [...path, key];
      const inside = findInInput(item, (text, isKey) => isKey && isSecurityCodeName(text), [...path, key]);
      if (inside) return inside.path;
    } else if (path.length < 64) {
      const found = findSecurityCode(field.type, item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

function securityCodeRefused(where: string): GraphQLError {
  return new GraphQLError(
    `${where}: a card security code (CVC) is never accepted, and no input has such a field; send only what the payment provider gives back (its token, the card's brand, last four digits and expiry).`,
    { extensions: { code: 'BAD_USER_INPUT', argument: where, http: { status: 400 } } },
  );
}

function findSecurityCodeInVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>): string | null {
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type || !(name in variables)) continue;
    const found = findSecurityCode(type, variables[name], []);
    if (found) return variablePath(name, found);
  }
  return null;
}

/**
 * Checks after parsing and validation, before execution (so before the variables are coerced, whose
 * errors would quote the whole value): nothing has run when it refuses.
 */
export const textInputGuardPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document, operation, schema }) {
        for (const [name, value] of Object.entries(request.variables ?? {})) {
          const found = findInValue(value, name);
          if (found) throw refused(found);
        }
        // A security code in a field no input has (inline, it fails validation without its value).
        if (operation && request.variables) {
          const found = findSecurityCodeInVariables(schema, operation, request.variables);
          if (found) throw securityCodeRefused(found);
        }
        // A literal NUL can only be written as an escape (`\u0000`, `\u{0}`): no `\u`, nothing to walk.
        if (typeof request.query === 'string' && !request.query.includes('\\u')) return;
        const found = findInDocument(document);
        if (found) throw refused(found);
      },
    };
  },
};
