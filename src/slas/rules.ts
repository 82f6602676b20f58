// Who may do what with SLAs: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { managers, sellers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

/** The organisation's SLAs are configuration: admins and managers. */
const definitionEditors = hasRole(managers);
/** Promising a customer response times is a commercial commitment: those who sell. */
const assigners = hasRole(sellers);

export const slasRules: AreaRules = {
  Query: { slas: isUser, slaBreaches: isUser },
  Mutation: { createSla: definitionEditors, updateSla: definitionEditors, setCustomerSla: assigners },
  // Every path to an SLA is for users: Customer.sla and Contract.sla (their own rules first), a job's
  // `sla` (Job is for users), the root fields, and node(), which refuses portal tokens the type (not
  // declared `portal`). SLAs are organisation configuration, nothing personal: no rule per field.
  types: { Sla: allow, SlaTarget: allow, JobSla: allow },
  extend: { Customer: { sla: isUser } },
};
