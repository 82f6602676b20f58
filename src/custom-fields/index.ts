// The custom-fields area: Organisation-defined custom fields.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { customFieldsResolvers } from './resolvers';
import { customFieldsRules } from './rules';
import { customFieldDefinitions } from './tables';

export const customFieldsArea = defineArea({
  name: 'custom-fields',
  resolvers: [customFieldsResolvers],
  rules: customFieldsRules,
  nodes: {
    CustomFieldDefinition: { table: customFieldDefinitions },
  },
});
