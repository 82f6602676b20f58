// GraphQL resolvers for All Works: the lists (loaders.ts), and each entry's record through the node
// loaders, so a page costs one query per kind on it.
import type { Resolvers } from '../generated/graphql';
import type { Context } from '../graph/context';
import { allWorksPage, type WorkHistoryEntryValue, type WorkHistoryKind } from './loaders';

const typeOfKind = {
  JOB: 'Job',
  ESTIMATE: 'Estimate',
  SERVICE_REMINDER: 'ServiceReminder',
  SERVICE_REMINDER_DECISION: 'ServiceReminderDecision',
} as const satisfies Record<WorkHistoryKind, string>;

/** Which member of the union each record read for an entry is (rows of two tables can look alike). */
const itemTypes = new WeakMap<object, (typeof typeOfKind)[WorkHistoryKind]>();

async function itemOf(ctx: Context, entry: WorkHistoryEntryValue) {
  const type = typeOfKind[entry.kind];
  const row = await ctx.loaders.byId(type).load(entry.id);
  if (!row) throw new Error(`allWorks: ${type} ${entry.id} vanished`);
  itemTypes.set(row, type);
  return row;
}

export const allWorksResolvers: Resolvers = {
  WorkHistoryEntry: {
    item: (entry, _a, ctx) => itemOf(ctx, entry),
  },
  WorkHistoryItem: {
    __resolveType: (row) => itemTypes.get(row)!,
  },
  WorkAddress: {
    allWorks: (w, args, ctx) => allWorksPage(ctx, 'workAddress', w.id, args),
  },
  Customer: {
    allWorks: (c, args, ctx) => allWorksPage(ctx, 'customer', c.id, args),
  },
};
