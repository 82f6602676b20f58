// GraphQL resolvers for webhooks: thin, over the service. Admins only (src/webhooks/rules.ts).
import { and, eq, sql } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { UserActor } from '../auth/actor';
import { events, type EventRow } from '../events/tables';
import type { Resolvers, WebhookDeliveryStatus } from '../generated/graphql';
import { parsePageArgs, uuidArray, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { inputId, payload } from '../graph/user-errors';
import { createWebhookEndpoint, deleteWebhookEndpoint, listWebhookEndpoints, redeliverWebhook, rotateWebhookSecret, updateWebhookEndpoint } from './service';
import { webhookDeliveries } from './tables';

const newestFirst: SortSpec = { name: 'CREATED_AT', expr: webhookDeliveries.createdAt, cast: 'timestamptz', direction: 'DESC' };

/** An endpoint's deliveries, newest first: one query for the pages of every endpoint in the request. */
function deliveriesPage(ctx: Context, endpointId: string, args: PageArgs & { status?: WebhookDeliveryStatus | null }) {
  return ctx.loaders
    .childPage({
      table: webhookDeliveries,
      parentColumn: webhookDeliveries.endpointId,
      where: args.status ? eq(webhookDeliveries.status, args.status) : undefined,
      name: `webhookEndpoint.deliveries:${args.status ?? ''}`,
      sort: newestFirst,
      page: parsePageArgs(args, newestFirst, ctx.config.maxPageSize),
    })
    .load(endpointId);
}

function eventOf(ctx: Context, eventId: string): Promise<EventRow> {
  return ctx.loaders
    .batch('webhook.event', async (ids) => {
      const rows = await ctx.db
        .select()
        .from(events)
        .where(and(eq(events.organisationId, ctx.visibility.organisationId), sql`${events.id} = any(${uuidArray(ids)})`));
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    })
    .load(eventId) as Promise<EventRow>;
}

const user = (ctx: Context) => actorOf(ctx) as UserActor;
const policy = (ctx: Context) => ({ allowed: ctx.config.webhookAllowedPrivateTargets });

export const webhooksResolvers: Resolvers = {
  WebhookEndpoint: {
    id: globalIdField('WebhookEndpoint'),
    deliveries: (w, args, ctx) => deliveriesPage(ctx, w.id, args),
  },
  WebhookDelivery: {
    id: globalIdField('WebhookDelivery'),
    endpoint: async (d, _a, ctx) => (await ctx.loaders.byId('WebhookEndpoint').load(d.endpointId))!,
    event: (d, _a, ctx) => eventOf(ctx, d.eventId),
    nextAttemptAt: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null),
  },
  Query: {
    webhookEndpoints: (_p, _a, ctx) => listWebhookEndpoints(ctx.db, ctx.visibility.organisationId),
  },
  Mutation: {
    createWebhookEndpoint: (_p, { input }, ctx) =>
      payload(() => createWebhookEndpoint(ctx.db, user(ctx), policy(ctx), input), { webhookEndpoint: null, secret: null }),
    updateWebhookEndpoint: (_p, { input }, ctx) =>
      payload(() => updateWebhookEndpoint(ctx.db, user(ctx), policy(ctx), inputId(input.id, ['WebhookEndpoint'], ['input', 'id']).id, input), {
        webhookEndpoint: null,
      }),
    rotateWebhookSecret: (_p, { input }, ctx) =>
      payload(() => rotateWebhookSecret(ctx.db, user(ctx), inputId(input.id, ['WebhookEndpoint'], ['input', 'id']).id, input), {
        webhookEndpoint: null,
        secret: null,
      }),
    deleteWebhookEndpoint: (_p, { input }, ctx) =>
      payload(() => deleteWebhookEndpoint(ctx.db, user(ctx), inputId(input.id, ['WebhookEndpoint'], ['input', 'id']).id, input.expectedVersion), {
        deletedWebhookEndpointId: null,
      }),
    redeliverWebhook: (_p, { input }, ctx) =>
      payload(() => redeliverWebhook(ctx.db, user(ctx), inputId(input.deliveryId, ['WebhookDelivery'], ['input', 'deliveryId']).id, input), { delivery: null }),
  },
};
