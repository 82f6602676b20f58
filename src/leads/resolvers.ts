// GraphQL resolvers for leads: thin, over the service and loaders.
import { addressesPage } from '../addresses/loaders';
import { actorOf } from '../audit/actor';
import { contactsPage } from '../contacts/loaders';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { decodeIdArgument } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { changeLeadStatus, createLead, listLeads, updateLead } from './service';

const leadId = (id: string) => inputId(id, ['Lead'], ['input', 'id']).id;

export const leadResolvers: Resolvers = {
  Query: {
    lead: (_p, { id }, ctx) => ctx.loaders.byId('Lead').load(decodeIdArgument(id, ['Lead'], 'id').id),
    leads: (_p, args, ctx) => listLeads(ctx.db, ctx.visibility, args, ctx.config.maxPageSize),
  },
  Mutation: {
    createLead: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createLead', input, (db) => createLead(db, actorOf(ctx), input), { lead: null, possibleDuplicates: null }),
    updateLead: (_p, { input }, ctx) => payload(() => updateLead(ctx.db, actorOf(ctx), leadId(input.id), input), { lead: null }),
    changeLeadStatus: (_p, { input }, ctx) => payload(() => changeLeadStatus(ctx.db, actorOf(ctx), leadId(input.id), input), { lead: null }),
  },
  Lead: {
    id: globalIdField('Lead'),
    owner: (l, _a, ctx) => (l.ownerId ? ctx.loaders.byId('User').load(l.ownerId) : null),
    convertedBy: (l, _a, ctx) => (l.convertedById ? ctx.loaders.byId('User').load(l.convertedById) : null),
    convertedCustomer: (l, _a, ctx) => (l.convertedCustomerId ? ctx.loaders.byId('Customer').load(l.convertedCustomerId) : null),
    contacts: (l, args, ctx, info) => contactsPage(ctx, 'lead', l.id, args, info),
    addresses: (l, args, ctx, info) => addressesPage(ctx, 'lead', l.id, args, info),
  },
};
