// Who may grant access to records and manage status security groups: merged into the one rule tree
// (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { admins, writers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

/** Granting access to a record: these roles, and the service checks they manage or own the record. */
const grantors = hasRole(writers);

export const accessRules: AreaRules = {
  Query: { statusGroups: isUser },
  Mutation: {
    grantRecordAccess: grantors,
    revokeRecordAccess: grantors,
    createStatusGroup: hasRole(admins),
    updateStatusGroup: hasRole(admins),
    deleteStatusGroup: hasRole(admins),
  },
  // The service also requires admin, manager or the record's owner.
  extend: { Customer: { accessGrants: isUser }, Lead: { accessGrants: isUser } },
  types: {
    StatusGroup: allow,
    AccessGrant: { '*': isUser },
  },
};
