// The finance area: a customer's balance, aging and ledger (its finance tab), worked out from the
// invoices, credit notes, payments and allocations of the money areas. It owns no tables.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { financeResolvers } from './resolvers';
import { financeRules } from './rules';

export const financeArea = defineArea({
  name: 'finance',
  resolvers: [financeResolvers],
  rules: financeRules,
});
