// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { managers, writers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

/** Everyone who changes records works cases (READ_ONLY reads them). */
const caseWorkers = hasRole(writers);

export const serviceCasesRules: AreaRules = {
  Query: { serviceCases: isUser, serviceCaseSlaDefaults: isUser },
  Mutation: {
    openServiceCase: caseWorkers,
    updateServiceCase: caseWorkers,
    changeServiceCaseStatus: caseWorkers,
    addServiceCaseNote: caseWorkers,
    // The SLA is the organisation's configuration.
    setServiceCaseSlaDefault: hasRole(managers),
  },
  // Every path to a case is for users: Customer/Asset/WorkAddress.serviceCases (below), the root
  // list, the mutations, and node(), which refuses portal tokens the type (not declared `portal`).
  // Which cases a user sees follows the customer (the visibility layer, through `customer_id`). So
  // the types need no rule per field.
  types: {
    ServiceCase: allow,
    ServiceCaseBreach: allow,
    ServiceCaseNote: allow,
    ServiceCaseNoteConnection: allow,
    ServiceCaseNoteEdge: allow,
    ServiceCaseConnection: allow,
    ServiceCaseEdge: allow,
    ServiceCaseSlaDefault: allow,
    OpenServiceCasePayload: allow,
    UpdateServiceCasePayload: allow,
    ChangeServiceCaseStatusPayload: allow,
    AddServiceCaseNotePayload: allow,
    SetServiceCaseSlaDefaultPayload: allow,
  },
  // Asset's rule is one for the whole type (allow: reached only by users), which covers Asset.serviceCases.
  extend: { Customer: { serviceCases: isUser }, WorkAddress: { serviceCases: isUser } },
};
