// GraphQL for documents: their metadata, a record's documents (newest first, one query for a whole
// page of customers), and deleteDocument. The bytes travel over HTTP (src/documents/http.ts).
import { sql } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { payload } from '../graph/user-errors';
import { downloadUrl } from './http';
import { deleteDocument } from './service';
import { documents } from './tables';

const newestFirst: SortSpec = { name: 'CREATED_AT', expr: documents.createdAt, cast: 'timestamptz', direction: 'DESC' };

function documentsOf(ctx: Context, owner: 'customer' | 'lead', parentId: string, args: PageArgs) {
  return ctx.loaders
    .childPage({
      table: documents,
      parentColumn: owner === 'customer' ? documents.customerId : documents.leadId,
      where: sql`${documents.deletedAt} is null`,
      name: `${owner}.documents`,
      sort: newestFirst,
      page: parsePageArgs(args, newestFirst, ctx.config.maxPageSize),
    })
    .load(parentId);
}

export const documentsResolvers: Resolvers = {
  Customer: {
    documents: (c, args, ctx) => documentsOf(ctx, 'customer', c.id, args),
  },
  Lead: {
    documents: (l, args, ctx) => documentsOf(ctx, 'lead', l.id, args),
  },
  Document: {
    id: globalIdField('Document'),
    downloadUrl: (d) => (d.deletedAt ? null : downloadUrl(d.id)),
    uploadedBy: (d, _a, ctx) => (d.uploadedBy ? ctx.loaders.byId('User').load(d.uploadedBy) : null),
    customer: (d, _a, ctx) => (d.customerId ? ctx.loaders.byId('Customer').load(d.customerId) : null),
    lead: (d, _a, ctx) => (d.leadId ? ctx.loaders.byId('Lead').load(d.leadId) : null),
    workAddress: (d, _a, ctx) => (d.workAddressId ? ctx.loaders.byId('WorkAddress').load(d.workAddressId) : null),
    asset: (d, _a, ctx) => (d.assetId ? ctx.loaders.byId('Asset').load(d.assetId) : null),
  },
  Mutation: {
    deleteDocument: (_p, { input }, ctx) => payload(() => deleteDocument(ctx.db, ctx.config, actorOf(ctx), input), { document: null }),
  },
};
