// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
import type { AreaRules } from '../auth/area-rules';

export const pipelineRules: AreaRules = {};
