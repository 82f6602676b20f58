// GraphQL resolvers for contacts: thin, over the service and the loaders.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { allPreferences } from './preferences';
import { createContact, deleteContact, updateContact } from './service';

/** Title, first name and surname, those with something in them, separated by a space (no arrays: asked of every contact of a page). */
function fullNameOf(c: { title: string | null; firstName: string | null; surname: string | null }): string {
  return withNamePart(withNamePart(withNamePart('', c.title), c.firstName), c.surname);
}

function withNamePart(name: string, part: string | null): string {
  if (!part || !part.trim()) return name;
  return name ? `${name} ${part}` : part;
}

export const contactResolvers: Resolvers = {
  Contact: {
    id: globalIdField('Contact'),
    fullName: fullNameOf,
    customer: (c, _args, ctx) => (c.customerId ? ctx.loaders.byId('Customer').load(c.customerId) : null),
    lead: (c, _args, ctx) => (c.leadId ? ctx.loaders.byId('Lead').load(c.leadId) : null),
    communicationPreferences: (c) => allPreferences(c.communicationPreferences),
  },
  Mutation: {
    createContact: (_p, { input }, ctx) => keyedPayload(ctx, 'createContact', input, (db) => createContact(db, actorOf(ctx), input), { contact: null }),
    updateContact: (_p, { input }, ctx) =>
      payload(() => updateContact(ctx.db, actorOf(ctx), inputId(input.id, ['Contact'], ['input', 'id']).id, input), { contact: null }),
    deleteContact: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedContactId } = await deleteContact(ctx.db, actorOf(ctx), inputId(input.id, ['Contact'], ['input', 'id']).id, input);
          return { deletedContactId: toGlobalId('Contact', deletedContactId) };
        },
        { deletedContactId: null },
      ),
  },
};
