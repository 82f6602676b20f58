// Who may do what with activity and expiries: merged into the one rule tree (src/auth/permissions.ts).
// Which records' activity a user reaches is the data layer's job (it follows the lead or customer).
import type { AreaRules } from '../auth/area-rules';
import { fieldWorkers, writers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

/**
 * Everyone who works on records notes, plans and logs what they do with them (finance chases
 * payments by phone and email too); READ_ONLY changes nothing.
 */
const activityWriters = hasRole(writers);
/** Expiries drive sales opportunities: the roles that sell and serve record them. */
const expiryWriters = hasRole(fieldWorkers);

const recordLists = { notes: isUser, tasks: isUser, communications: isUser, expiries: isUser };

export const activityRules: AreaRules = {
  Mutation: {
    createNote: activityWriters,
    updateNote: activityWriters,
    deleteNote: activityWriters,
    createTask: activityWriters,
    updateTask: activityWriters,
    completeTask: activityWriters,
    deleteTask: activityWriters,
    logCommunication: activityWriters,
    createExpiry: expiryWriters,
    updateExpiry: expiryWriters,
    deleteExpiry: expiryWriters,
  },
  types: {
    Note: { '*': isUser },
    Task: { '*': isUser },
    Communication: { '*': isUser },
    Expiry: { '*': isUser },
  },
  extend: { Customer: recordLists, Lead: recordLists },
};
