// Event types: named after the audit action they come from, in the past tense, so an integrator reads
// what happened (`customer.changeStatus` → `customer.statusChanged`, `invoice.issue` →
// `invoice.issued`). One table of verbs; test/events/types.test.ts fails on an action in src/ whose
// verb is not in it, so every event type is named on purpose.

/** Audit verb → the event's past tense. */
export const eventVerbs: Readonly<Record<string, string>> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  add: 'added',
  remove: 'removed',
  set: 'set',
  open: 'opened',
  log: 'logged',
  copy: 'copied',
  upload: 'uploaded',
  import: 'imported',
  rename: 'renamed',
  reorder: 'reordered',
  renew: 'renewed',
  revoke: 'revoked',
  reverse: 'reversed',
  undo: 'undone',
  redeliver: 'redelivered',
  rotateSecret: 'secretRotated',
  void: 'voided',
  issue: 'issued',
  cancel: 'cancelled',
  abort: 'aborted',
  complete: 'completed',
  schedule: 'scheduled',
  decide: 'decided',
  convert: 'converted',
  merge: 'merged',
  mergedInto: 'mergedInto',
  anonymise: 'anonymised',
  deactivate: 'deactivated',
  reactivate: 'reactivated',
  markDormant: 'markedDormant',
  status: 'statusChanged',
  changeStatus: 'statusChanged',
  changeType: 'typeChanged',
  stageChange: 'stageChanged',
  setSla: 'slaChanged',
  addNote: 'noteAdded',
  receiveLead: 'leadReceived',
  raiseOpportunity: 'opportunityRaised',
  linkOpportunity: 'opportunityLinked',
  unlinkOpportunity: 'opportunityUnlinked',
  convertToAssets: 'convertedToAssets',
  freeOfCharge: 'markedFreeOfCharge',
  setInvoiceAddressFormat: 'invoiceAddressFormatChanged',
  // Quote transitions are written with the status they reach.
  sent: 'sent',
  signed: 'signed',
  declined: 'declined',
};

/** `customer.changeStatus` → `customer.statusChanged`; a verb not in the table keeps its name. */
export function eventTypeOf(action: string): string {
  const dot = action.indexOf('.');
  if (dot < 0) return action;
  const verb = action.slice(dot + 1);
  return `${action.slice(0, dot)}.${eventVerbs[verb] ?? verb}`;
}

/** What a `types` filter may hold: an event type (`customer.created`) or all of one resource's (`customer.*`). */
export const EVENT_TYPE_PATTERN = /^[a-z][A-Za-z]*\.([a-z][A-Za-z]*|\*)$/;

/** Whether an event type is matched by a list of types and `resource.*` patterns (empty: all). */
export function matchesEventTypes(type: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
