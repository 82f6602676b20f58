// The contacts area: Contacts of a customer or lead.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { contactResolvers } from './resolvers';
import { contactsRules } from './rules';
import { contacts } from './tables';

export const contactsArea = defineArea({
  name: 'contacts',
  resolvers: [contactResolvers],
  rules: contactsRules,
  nodes: {
    Contact: { table: contacts, portal: true },
  },
  // Under a customer or a lead. A merge keeps one primary contact (src/customers/merge.ts).
  children: [
    {
      recordType: 'Contact',
      table: contacts,
      customer: contacts.customerId,
      lead: contacts.leadId,
      onDelete: 'delete',
      anonymise: {
        set: {
          title: null,
          firstName: null,
          surname: 'Anonymised',
          position: null,
          emails: [],
          phones: [],
          socialUrls: [],
          communicationPreferences: [],
          customFields: {},
        },
      },
      trail: true,
    },
  ],
});
