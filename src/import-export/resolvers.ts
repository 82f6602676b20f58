// GraphQL resolvers of this area, registered in src/graph/schema.ts: reading import jobs back (the
// uploads themselves are HTTP endpoints, src/import-export/http.ts).
import { and, eq, isNull } from 'drizzle-orm';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';
import { decodeIdArgument } from '../graph/ids';
import { importJobs } from './tables';

export const importExportResolvers: Resolvers = {
  Query: {
    // Visibility follows the job's customer (the loader applies it): a job under a customer you may
    // not see is null, like one that does not exist.
    importJob: async (_p, { id }, ctx) => {
      const jobId = decodeIdArgument(id, ['ImportJob'], 'id').id;
      const job = await ctx.loaders.byId('ImportJob').load(jobId);
      if (job) return job;
      // A customers import sits under no customer, so the loader shows it only to those who see
      // every customer; its uploader sees it too.
      const viewer = ctx.viewer;
      if (viewer?.kind !== 'user') return null;
      const [own] = await ctx.db
        .select()
        .from(importJobs)
        .where(
          and(
            eq(importJobs.id, jobId),
            eq(importJobs.organisationId, viewer.organisationId),
            isNull(importJobs.customerId),
            eq(importJobs.createdById, viewer.userId),
          ),
        );
      return own ?? null;
    },
  },
  ImportJob: {
    id: globalIdField('ImportJob'),
    customer: (job, _a, ctx) => (job.customerId ? ctx.loaders.byId('Customer').load(job.customerId) : null),
    mapping: (job) => job.mapping,
    errors: (job) => job.errors.map((e) => ({ ...e, file: e.file ?? null })),
    createdBy: (job, _a, ctx) => (job.createdById ? ctx.loaders.byId('User').load(job.createdById) : null),
  },
};
