// Who may do what in the sales pipeline: merged into the one rule tree (src/auth/permissions.ts).
// Which records (and so which opportunities, quotes, orders, jobs) a user sees is the data layer's
// business (src/auth/visibility.ts): everything here follows its lead or customer.
import { or } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { bookkeepers, fieldWorkers, sellers as sellerRoles } from '../auth/roles';
import { hasRole, isPortalTokenWith, isUser } from '../auth/rules';

/** Those who sell: they change leads and customers too. READ_ONLY changes nothing. */
const sellers = hasRole(sellerRoles);
/** Jobs and estimates are work: service engineers raise them as well. */
const workers = hasRole(fieldWorkers);
/** Users (visibility decides which customers), and portal tokens with VIEW_JOBS (their own customer's). */
const seesJobs = or(isUser, isPortalTokenWith('VIEW_JOBS'));

export const pipelineRules: AreaRules = {
  Mutation: {
    createOpportunity: sellers,
    updateOpportunity: sellers,
    createQuote: sellers,
    updateQuote: sellers,
    sendQuote: sellers,
    declineQuote: sellers,
    createJob: workers,
    createEstimate: workers,
    // The work lifecycle (docs/domain.md#the-work-lifecycle): those who do the work move it along;
    // deciding that it is not invoiced is the bookkeepers' (completeJob's freeOfCharge too: the service checks).
    scheduleJob: workers,
    completeJob: workers,
    abortJob: workers,
    cancelJob: workers,
    markJobFreeOfCharge: hasRole(bookkeepers),
    completeSalesOrder: sellers,
    cancelSalesOrder: sellers,
  },
  extend: {
    Customer: { opportunities: isUser, quotes: isUser, salesOrders: isUser, jobs: seesJobs, estimates: seesJobs },
    Lead: { opportunities: isUser, quotes: isUser },
  },
  types: {
    // Reached through a lead or customer (whose visibility decides) or node(). Jobs and estimates are
    // what a portal token with VIEW_JOBS reads of the pipeline; the rest is for users.
    Opportunity: isUser,
    Quote: isUser,
    QuoteLine: isUser,
    SalesOrder: isUser,
    SalesOrderLine: isUser,
    Job: seesJobs,
    Estimate: seesJobs,
  },
};
