// Who may read the audit trail and the read log: merged into the one rule tree (src/auth/permissions.ts).
import type { AreaRules } from '../auth/area-rules';
import { managers } from '../auth/roles';
import { hasRole } from '../auth/rules';

const auditors = hasRole(managers);

export const auditRules: AreaRules = {
  extend: {
    Customer: { auditTrail: auditors, readLog: auditors },
    Lead: { auditTrail: auditors },
  },
  types: {
    AuditEntry: { '*': auditors },
    RecordRead: { '*': auditors },
  },
};
