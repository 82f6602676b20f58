// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
// Every user reads the definitions (forms need them); only admins define fields.
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { admins } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

const definers = hasRole(admins);

export const customFieldsRules: AreaRules = {
  Query: { customFieldDefinitions: isUser },
  Mutation: {
    createCustomFieldDefinition: definers,
    updateCustomFieldDefinition: definers,
    deactivateCustomFieldDefinition: definers,
  },
  types: {
    // Reference data, reached only through the user-only root field or node() (which serves a portal token none).
    CustomFieldDefinition: allow,
  },
};
