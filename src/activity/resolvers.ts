// GraphQL for activity (notes, tasks, the communications log) and expiries: thin, over the service
// and the loaders. Registered in src/graph/schema.ts.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import type { Context } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { communicationsPage, expiriesPage, notesPage, tasksPage } from './loaders';
import {
  completeTask,
  createExpiry,
  createNote,
  createTask,
  deleteExpiry,
  deleteNote,
  deleteTask,
  logCommunication,
  updateExpiry,
  updateNote,
  updateTask,
} from './service';

const userOf = (ctx: Context, id: string | null) => (id ? ctx.loaders.byId('User').load(id) : null);

/** The record a row belongs to, through the loaders (so visibility applies). */
const recordFields = {
  customer: (r: { customerId: string | null }, _a: unknown, ctx: Context) => (r.customerId ? ctx.loaders.byId('Customer').load(r.customerId) : null),
  lead: (r: { leadId: string | null }, _a: unknown, ctx: Context) => (r.leadId ? ctx.loaders.byId('Lead').load(r.leadId) : null),
};

const workAddressOf = (r: { workAddressId: string | null }, _a: unknown, ctx: Context) =>
  r.workAddressId ? ctx.loaders.byId('WorkAddress').load(r.workAddressId) : null;

export const activityResolvers: Resolvers = {
  Customer: {
    notes: (c, args, ctx) => notesPage(ctx, 'customer', c.id, args),
    tasks: (c, args, ctx) => tasksPage(ctx, 'customer', c.id, args),
    communications: (c, args, ctx) => communicationsPage(ctx, 'customer', c.id, args),
    expiries: (c, args, ctx) => expiriesPage(ctx, 'customer', c.id, args),
  },
  Lead: {
    notes: (l, args, ctx) => notesPage(ctx, 'lead', l.id, args),
    tasks: (l, args, ctx) => tasksPage(ctx, 'lead', l.id, args),
    communications: (l, args, ctx) => communicationsPage(ctx, 'lead', l.id, args),
    expiries: (l, args, ctx) => expiriesPage(ctx, 'lead', l.id, args),
  },
  Note: {
    id: globalIdField('Note'),
    author: (n, _a, ctx) => userOf(ctx, n.authorUserId),
    ...recordFields,
    workAddress: workAddressOf,
  },
  Task: {
    id: globalIdField('Task'),
    assignee: (t, _a, ctx) => userOf(ctx, t.assigneeUserId),
    createdBy: (t, _a, ctx) => userOf(ctx, t.createdByUserId),
    completedBy: (t, _a, ctx) => userOf(ctx, t.completedByUserId),
    isOverdue: (t) => t.completedAt === null && t.dueAt.getTime() < Date.now(),
    ...recordFields,
    workAddress: workAddressOf,
    opportunity: (t, _a, ctx) => (t.opportunityId ? ctx.loaders.byId('Opportunity').load(t.opportunityId) : null),
  },
  Communication: {
    id: globalIdField('Communication'),
    contact: (c, _a, ctx) => (c.contactId ? ctx.loaders.byId('Contact').load(c.contactId) : null),
    sentBy: (c, _a, ctx) => userOf(ctx, c.sentByUserId),
    ...recordFields,
  },
  Expiry: {
    id: globalIdField('Expiry'),
    ...recordFields,
  },
  Mutation: {
    createNote: (_p, { input }, ctx) => keyedPayload(ctx, 'createNote', input, (db) => createNote(db, actorOf(ctx), input), { note: null }),
    updateNote: (_p, { input }, ctx) => payload(() => updateNote(ctx.db, actorOf(ctx), inputId(input.id, ['Note'], ['input', 'id']).id, input), { note: null }),
    deleteNote: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedNoteId } = await deleteNote(ctx.db, actorOf(ctx), inputId(input.id, ['Note'], ['input', 'id']).id, input.expectedVersion);
          return { deletedNoteId: toGlobalId('Note', deletedNoteId) };
        },
        { deletedNoteId: null },
      ),
    createTask: (_p, { input }, ctx) => keyedPayload(ctx, 'createTask', input, (db) => createTask(db, actorOf(ctx), input), { task: null }),
    updateTask: (_p, { input }, ctx) => payload(() => updateTask(ctx.db, actorOf(ctx), inputId(input.id, ['Task'], ['input', 'id']).id, input), { task: null }),
    completeTask: (_p, { input }, ctx) =>
      payload(() => completeTask(ctx.db, actorOf(ctx), inputId(input.id, ['Task'], ['input', 'id']).id, input), { task: null }),
    deleteTask: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedTaskId } = await deleteTask(ctx.db, actorOf(ctx), inputId(input.id, ['Task'], ['input', 'id']).id, input.expectedVersion);
          return { deletedTaskId: toGlobalId('Task', deletedTaskId) };
        },
        { deletedTaskId: null },
      ),
    logCommunication: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'logCommunication', input, (db) => logCommunication(db, actorOf(ctx), input), { communication: null }),
    createExpiry: (_p, { input }, ctx) => keyedPayload(ctx, 'createExpiry', input, (db) => createExpiry(db, actorOf(ctx), input), { expiry: null }),
    updateExpiry: (_p, { input }, ctx) =>
      payload(() => updateExpiry(ctx.db, actorOf(ctx), inputId(input.id, ['Expiry'], ['input', 'id']).id, input), { expiry: null }),
    deleteExpiry: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedExpiryId } = await deleteExpiry(ctx.db, actorOf(ctx), inputId(input.id, ['Expiry'], ['input', 'id']).id, input.expectedVersion);
          return { deletedExpiryId: toGlobalId('Expiry', deletedExpiryId) };
        },
        { deletedExpiryId: null },
      ),
  },
};
