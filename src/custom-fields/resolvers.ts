// GraphQL resolvers for custom field definitions: thin, over the service.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { viewerOf } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { inputId, payload } from '../graph/user-errors';
import { createCustomFieldDefinition, deactivateCustomFieldDefinition, listCustomFieldDefinitions, updateCustomFieldDefinition } from './service';

const empty = { customFieldDefinition: null };

export const customFieldsResolvers: Resolvers = {
  Query: {
    customFieldDefinitions: (_p, { entity, includeInactive }, ctx) =>
      listCustomFieldDefinitions(ctx.db, viewerOf(ctx).organisationId, entity, includeInactive ?? false),
  },
  Mutation: {
    createCustomFieldDefinition: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createCustomFieldDefinition', input, (db) => createCustomFieldDefinition(db, actorOf(ctx), input), empty),
    updateCustomFieldDefinition: (_p, { input }, ctx) =>
      payload(() => updateCustomFieldDefinition(ctx.db, actorOf(ctx), inputId(input.id, ['CustomFieldDefinition'], ['input', 'id']).id, input), empty),
    deactivateCustomFieldDefinition: (_p, { input }, ctx) =>
      payload(() => deactivateCustomFieldDefinition(ctx.db, actorOf(ctx), inputId(input.id, ['CustomFieldDefinition'], ['input', 'id']).id, input), empty),
  },
  CustomFieldDefinition: {
    id: globalIdField('CustomFieldDefinition'),
    enabledFor: (d) => d.enabledFor,
  },
};
