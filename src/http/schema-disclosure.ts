// How much of the schema a caller may learn: introspection (`__schema`, `__type`) and the "Did you
// mean …?" hints graphql-js adds to validation and variable errors. In production both are for
// signed-in callers only, so an anonymous caller cannot map the API; configurable per setting
// (INTROSPECTION, FIELD_SUGGESTIONS: always | authenticated | never).
//
// Apollo's own `introspection` and `hideSchemaDetailsFromClientErrors` options are global; the
// caller is known only per request (the context), so this plugin decides per request.
import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, GraphQLError, visit, type DocumentNode } from 'graphql';
import type { Config, SchemaDisclosure } from '../config';
import type { Context } from '../graph/context';

function allowed(setting: SchemaDisclosure, context: Context): boolean {
  return setting === 'always' || (setting === 'authenticated' && context.viewer !== null);
}

/** True when the document selects `__schema` or `__type` anywhere (fragments included). */
function asksForIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

// graphql-js 16 ends such messages with: Did you mean "a", "b", or "c"? / Did you mean the enum value "X"?
const suggestion = / ?Did you mean [^?]*\?/g;

export function schemaDisclosurePlugin(config: Pick<Config, 'introspection' | 'fieldSuggestions'>): ApolloServerPlugin<Context> {
  const always = config.introspection === 'always' && config.fieldSuggestions === 'always';
  return {
    async requestDidStart({ contextValue }) {
      if (always) return;
      const introspection = allowed(config.introspection, contextValue);
      const suggestions = allowed(config.fieldSuggestions, contextValue);
      if (introspection && suggestions) return;
      return {
        async didResolveOperation({ document }) {
          if (introspection || !asksForIntrospection(document)) return;
          const how =
            config.introspection === 'never'
              ? 'Introspection is turned off on this server (INTROSPECTION=never).'
              : 'Introspection (__schema, __type) is only for signed-in callers: send "Authorization: Bearer <token>".';
          throw new GraphQLError(how, { extensions: { code: 'INTROSPECTION_DISABLED', http: { status: 400 } } });
        },
        async didEncounterErrors({ errors }) {
          if (suggestions) return;
          // Validation errors and variable coercion errors both carry hints; formatting reads .message.
          for (const error of errors) error.message = error.message.replace(suggestion, '');
        },
      };
    },
  };
}
