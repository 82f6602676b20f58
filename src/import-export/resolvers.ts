// GraphQL resolvers of this area, registered in src/graph/schema.ts: reading import jobs back (the
// uploads themselves are HTTP endpoints, src/import-export/http.ts).
import { customers } from '../customers/tables';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';
import { decodeIdArgument } from '../graph/ids';
import { users } from '../organisations/tables';
import { importJobs } from './tables';

export const importExportResolvers: Resolvers = {
  Query: {
    // Visibility follows the job's customer (the loader applies it): a job under a customer you may
    // not see is null, like one that does not exist.
    importJob: (_p, { id }, ctx) => ctx.loaders.byId(importJobs, 'ImportJob').load(decodeIdArgument(id, ['ImportJob'], 'id').id),
  },
  ImportJob: {
    id: globalIdField('ImportJob'),
    customer: async (job, _a, ctx) => (await ctx.loaders.byId(customers, 'Customer').load(job.customerId))!,
    mapping: (job) => job.mapping,
    errors: (job) => job.errors,
    createdBy: (job, _a, ctx) => (job.createdById ? ctx.loaders.byId(users, 'User').load(job.createdById) : null),
  },
};
