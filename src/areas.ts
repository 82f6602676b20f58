// The composition root: the one list of the server's areas. Adding an area is a folder
// (src/<area>/ with its index.ts manifest, tables, mappers, SDL in schema/) and one line here.
// The order is the order their resolvers, rules and HTTP routes are put together in.
import { accessArea } from './access';
import { activityArea } from './activity';
import { addressesArea } from './addresses';
import { allWorksArea } from './all-works';
import { assetsArea } from './assets';
import { auditArea } from './audit';
import { branchesArea } from './branches';
import { contactsArea } from './contacts';
import { contractsArea } from './contracts';
import { conversionsArea } from './conversions';
import { creditNotesArea } from './credit-notes';
import { customFieldsArea } from './custom-fields';
import { customersArea } from './customers';
import { documentsArea } from './documents';
import { duplicatesArea } from './duplicates';
import { eventsArea } from './events';
import { financeArea } from './finance';
import { compose } from './graph/area';
import { importExportArea } from './import-export';
import { invoiceAddressesArea } from './invoice-addresses';
import { invoicesArea } from './invoices';
import { leadsArea } from './leads';
import { organisationsArea } from './organisations';
import { paymentsArea } from './payments';
import { pipelineArea } from './pipeline';
import { portalArea } from './portal';
import { renewalsArea } from './renewals';
import { searchArea } from './search';
import { serviceCasesArea } from './service-cases';
import { servicePlansArea } from './service-plans';
import { serviceRemindersArea } from './service-reminders';
import { slasArea } from './slas';
import { statementsArea } from './statements';
import { statusHistoryArea } from './status-history';
import { storedCardsArea } from './stored-cards';
import { subscriptionsArea } from './subscriptions';
import { webhooksArea } from './webhooks';
import { workAddressesArea } from './work-addresses';

export const areas = [
  organisationsArea,
  auditArea,
  eventsArea,
  webhooksArea,
  subscriptionsArea,
  customersArea,
  leadsArea,
  contactsArea,
  addressesArea,
  accessArea,
  statusHistoryArea,
  portalArea,
  invoicesArea,
  invoiceAddressesArea,
  creditNotesArea,
  paymentsArea,
  financeArea,
  statementsArea,
  storedCardsArea,
  branchesArea,
  workAddressesArea,
  assetsArea,
  serviceRemindersArea,
  servicePlansArea,
  slasArea,
  contractsArea,
  serviceCasesArea,
  activityArea,
  documentsArea,
  customFieldsArea,
  searchArea,
  duplicatesArea,
  importExportArea,
  pipelineArea,
  conversionsArea,
  allWorksArea,
  renewalsArea,
];

/** Everything the areas bring, gathered once. */
export const composition = compose(areas);
