// GraphQL resolvers for service cases: thin, over the service and the loaders.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { viewerOf } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { inputId, payload } from '../graph/user-errors';
import { caseNotesPage, serviceCasesOf, serviceCasesPage } from './loaders';
import { addServiceCaseNote, caseReference, changeServiceCaseStatus, openServiceCase, setServiceCaseSlaDefault, updateServiceCase } from './service';
import { breachOf, slaDefaults } from './sla';

const caseId = (id: string) => inputId(id, ['ServiceCase'], ['input', 'id']).id;

export const serviceCasesResolvers: Resolvers = {
  ServiceCase: {
    id: globalIdField('ServiceCase'),
    reference: (c) => caseReference(c.number),
    // Each through a batched loader: a page of cases costs one query per relation, not one per case.
    customer: async (c, _a, ctx) => (await ctx.loaders.byId('Customer').load(c.customerId))!,
    asset: (c, _a, ctx) => (c.assetId ? ctx.loaders.byId('Asset').load(c.assetId) : null),
    workAddress: (c, _a, ctx) => (c.workAddressId ? ctx.loaders.byId('WorkAddress').load(c.workAddressId) : null),
    assignee: (c, _a, ctx) => (c.assigneeUserId ? ctx.loaders.byId('User').load(c.assigneeUserId) : null),
    openedBy: (c, _a, ctx) => (c.openedByUserId ? ctx.loaders.byId('User').load(c.openedByUserId) : null),
    breach: (c) => breachOf(c),
    notes: (c, args, ctx) => caseNotesPage(ctx, c.id, args),
  },
  ServiceCaseNote: {
    author: (n, _a, ctx) => (n.authorUserId ? ctx.loaders.byId('User').load(n.authorUserId) : null),
  },
  Customer: { serviceCases: (c, args, ctx) => serviceCasesOf(ctx, 'customer', c.id, args) },
  Asset: { serviceCases: (a, args, ctx) => serviceCasesOf(ctx, 'asset', a.id, args) },
  WorkAddress: { serviceCases: (w, args, ctx) => serviceCasesOf(ctx, 'workAddress', w.id, args) },
  Query: {
    serviceCases: (_p, args, ctx) => serviceCasesPage(ctx, args),
    serviceCaseSlaDefaults: (_p, _a, ctx) => slaDefaults(ctx.db, viewerOf(ctx).organisationId),
  },
  Mutation: {
    openServiceCase: (_p, { input }, ctx) => payload(() => openServiceCase(ctx.db, actorOf(ctx), input), { serviceCase: null }),
    updateServiceCase: (_p, { input }, ctx) => payload(() => updateServiceCase(ctx.db, actorOf(ctx), caseId(input.id), input), { serviceCase: null }),
    changeServiceCaseStatus: (_p, { input }, ctx) =>
      payload(() => changeServiceCaseStatus(ctx.db, actorOf(ctx), caseId(input.id), input), { serviceCase: null }),
    addServiceCaseNote: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'addServiceCaseNote', input, (db) => addServiceCaseNote(db, actorOf(ctx), caseId(input.id), input), { serviceCase: null, note: null }),
    setServiceCaseSlaDefault: (_p, { input }, ctx) => payload(() => setServiceCaseSlaDefault(ctx.db, actorOf(ctx), input), { slaDefault: null }),
  },
};
