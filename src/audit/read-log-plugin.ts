// Writes the customer read log (docs/domain.md#audit-trail: every read of a customer record). Resolvers
// that return a customer opened by id (`customer`, `node`, `nodes`) add it to `ctx.customerReads`; this
// plugin writes them all with one insert when the response is ready. Lists do not count as reads.
//
// The insert is awaited before the response is sent, so a client (or a test) that reads the log
// right after sees its own reads. A failure to write is logged and does not fail the request: the
// data has already been produced, and refusing it afterwards would not undo the read.
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../graph/context';
import { recordReads } from './tables';

export async function writeCustomerReads(ctx: Context): Promise<void> {
  const viewer = ctx.viewer;
  if (!viewer || ctx.customerReads.size === 0) return;
  const customerIds = [...ctx.customerReads];
  ctx.customerReads.clear();
  try {
    await ctx.db.insert(recordReads).values(
      customerIds.map((customerId) => ({
        organisationId: viewer.organisationId,
        customerId,
        readerUserId: viewer.kind === 'user' ? viewer.userId : null,
        readerPortalTokenId: viewer.kind === 'portal' ? viewer.portal.id : null,
        requestId: ctx.requestId,
      })),
    );
  } catch (err) {
    ctx.log.error({ err, customerIds }, 'could not write the customer read log');
  }
}

export const readLogPlugin: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue }) {
        await writeCustomerReads(contextValue);
      },
    };
  },
};
