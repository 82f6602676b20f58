// Leads (docs/domain.md#leads): listing, creating a lead with its contacts and addresses, updating it,
// and moving it through NEW → CONTACTED → QUALIFIED or to LOST. Conversion is its own workflow
// (conversions issue); a converted lead is read-only.
import { and, eq, gte, ilike, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { addressFieldsSchema, insertAddresses } from '../addresses/service';
import { recordAudit, type Actor } from '../audit/service';
import { mayChangeOwner } from '../auth/ownership';
import type { Visibility } from '../auth/visibility';
import { contactFieldsSchema, insertContacts } from '../contacts/service';
import { validateCustomFields } from '../custom-fields/validate';
import { containsPattern } from '../customers/service';
import type { Db } from '../db/client';
import { givenFields, lockForUpdate, mergeCustomFields, writeUpdate } from '../db/versioned';
import { checkPossibleDuplicates, type PossibleDuplicateValue } from '../duplicates/service';
import type { ChangeLeadStatusInput, CreateLeadInput, LeadFilter, LeadOrder, UpdateLeadInput } from '../generated/graphql';
import { nameAndTimeSorts, paginate, parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import { decodeIdArgument } from '../graph/ids';
import { NAME_MAX, optionalText, requiredText, webUrl } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { assertLeadTransition, recordLeadStatusChanges, statusNoteOf } from '../status-history/service';
import { users } from '../tenancy/tables';
import { leads, type LeadRow } from './tables';

const leadFields = {
  name: requiredText(NAME_MAX),
  isPrivate: z.boolean(),
  businessType: optionalText(100),
  industry: optionalText(100),
  employees: z.number().int().min(0, { message: 'must not be negative' }).nullish(),
  vatNumber: optionalText(30),
  website: webUrl.nullish(),
  leadSource: optionalText(100),
  customFields: z.record(z.string(), z.unknown()).nullish(),
};

const createSchema = z.object({
  ...leadFields,
  isPrivate: leadFields.isPrivate.nullish(),
  contacts: z.array(contactFieldsSchema).max(100, { message: 'at most 100 contacts at once' }).nullish(),
  addresses: z.array(addressFieldsSchema).max(20, { message: 'at most 20 addresses at once' }).nullish(),
});

const updateSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  ...leadFields,
  name: leadFields.name.optional(),
  isPrivate: leadFields.isPrivate.optional(),
});

const statusSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  status: z.enum(['NEW', 'CONTACTED', 'QUALIFIED', 'LOST']),
  lostReason: optionalText(500),
});

async function resolveUser(tx: Db, actor: Actor, globalId: string, field: string): Promise<string> {
  const { id } = inputId(globalId, ['User'], ['input', field]);
  const [row] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, id), eq(users.organisationId, actor.organisationId)));
  if (!row) throw notFound(['input', field], 'user');
  return row.id;
}

function refuseIfConverted(lead: LeadRow): void {
  if (lead.status === 'CONVERTED') {
    throw userError(['input', 'id'], 'id: this lead has been converted and is read-only; change the customer it became.', 'INVALID_STATE');
  }
}

export async function createLead(db: Db, actor: Actor, input: CreateLeadInput): Promise<{ lead: LeadRow; possibleDuplicates: PossibleDuplicateValue[] }> {
  const { contacts, addresses, customFields, ...fields } = validate(createSchema, input);
  return db.transaction(async (tx) => {
    const ownerId = input.ownerId ? await resolveUser(tx, actor, input.ownerId, 'ownerId') : actor.userId;
    const [lead] = await tx
      .insert(leads)
      .values({
        ...fields,
        isPrivate: fields.isPrivate ?? false,
        organisationId: actor.organisationId,
        ownerId,
        customFields: await validateCustomFields(tx, actor.organisationId, 'LEAD', customFields ?? {}, ['input', 'customFields'], { requireAll: true }),
        createdById: actor.userId,
      })
      .returning();
    await recordAudit(tx, actor, { action: 'lead.create', entityType: 'Lead', entityId: lead!.id, after: lead });
    await recordLeadStatusChanges(tx, actor, [{ leadId: lead!.id, fromStatus: null, toStatus: lead!.status, source: 'CREATED' }]);
    const owner = { kind: 'lead' as const, id: lead!.id };
    await insertContacts(tx, actor, owner, contacts ?? [], (i) => ['input', 'contacts', i]);
    await insertAddresses(tx, actor, owner, addresses ?? [], (i) => ['input', 'addresses', i]);
    // Last, once everything else has been accepted: a refusal then means "only the duplicates".
    const possibleDuplicates = await checkPossibleDuplicates(tx, actor, owner, { among: ['customer', 'lead'], refuse: input.refuseIfDuplicates });
    return { lead: lead!, possibleDuplicates };
  });
}

export async function updateLead(db: Db, actor: Actor, leadId: string, input: UpdateLeadInput): Promise<{ lead: LeadRow }> {
  const { expectedVersion, customFields, ...rest } = validate(updateSchema, input);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, leads, actor, leadId, expectedVersion, 'lead');
    refuseIfConverted(before);
    const changes: Partial<typeof leads.$inferInsert> = givenFields(rest, [
      'name',
      'isPrivate',
      'businessType',
      'industry',
      'employees',
      'vatNumber',
      'website',
      'leadSource',
    ] as const);
    if (input.ownerId !== undefined) {
      changes.ownerId = input.ownerId === null ? null : await resolveUser(tx, actor, input.ownerId, 'ownerId');
      if (changes.ownerId !== before.ownerId && !mayChangeOwner(actor, before.ownerId)) {
        throw userError(
          ['input', 'ownerId'],
          "ownerId: only admins, managers and the current owner may change a lead's owner; access granted for a time does not.",
          'FIELD_NOT_PERMITTED',
        );
      }
    }
    if (customFields) await validateCustomFields(tx, actor.organisationId, 'LEAD', customFields, ['input', 'customFields'], { requireAll: false });
    if (customFields !== undefined) changes.customFields = mergeCustomFields(before.customFields, customFields);
    const after = await writeUpdate(tx, leads, before.id, changes);
    await recordAudit(tx, actor, { action: 'lead.update', entityType: 'Lead', entityId: after.id, before, after });
    return { lead: after };
  });
}

export async function changeLeadStatus(db: Db, actor: Actor, leadId: string, input: ChangeLeadStatusInput): Promise<{ lead: LeadRow }> {
  const { expectedVersion, status, lostReason } = validate(statusSchema, input);
  const statusNote = statusNoteOf(input.statusNote);
  if (status === 'LOST' && !lostReason) throw userError(['input', 'lostReason'], 'lostReason: is required when a lead is lost.', 'REQUIRED');
  if (status !== 'LOST' && lostReason) {
    throw userError(['input', 'lostReason'], 'lostReason: only a LOST lead has a lost reason.', 'INVALID');
  }
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, leads, actor, leadId, expectedVersion, 'lead');
    refuseIfConverted(before);
    await assertLeadTransition(tx, actor, before.status, status);
    const after = await writeUpdate(tx, leads, before.id, { status, lostReason: status === 'LOST' ? lostReason : null });
    // The same status again (a LOST lead's reason corrected) is no change of status.
    if (before.status !== status) {
      await recordLeadStatusChanges(tx, actor, [{ leadId: before.id, fromStatus: before.status, toStatus: status, source: 'CHANGED', note: statusNote }]);
    }
    await recordAudit(tx, actor, { action: 'lead.status', entityType: 'Lead', entityId: after.id, before, after });
    return { lead: after };
  });
}

const leadSorts = nameAndTimeSorts(leads);

/** A page of the leads the viewer may see; the total counts only those. */
export async function listLeads(
  db: Db,
  visibility: Visibility,
  args: PageArgs & { filter?: LeadFilter | null; orderBy?: LeadOrder | null },
  maxPageSize: number,
) {
  const order = args.orderBy ?? { field: 'CREATED_AT', direction: 'DESC' };
  const sort: SortSpec = { ...leadSorts[order.field], direction: order.direction ?? 'ASC' };
  const page = parsePageArgs(args, sort, maxPageSize);
  const f = args.filter ?? {};
  const organisationId = visibility.organisationId;
  const conditions: (SQL | undefined)[] = [eq(leads.organisationId, organisationId), visibility.record('lead')];
  if (f.name != null && f.name.trim() !== '') conditions.push(ilike(leads.name, containsPattern(f.name.trim())));
  if (f.statuses != null) conditions.push(sql`${leads.status}::text = any(${`{${f.statuses.join(',')}}`}::text[])`);
  if (f.ownerId != null) conditions.push(eq(leads.ownerId, decodeIdArgument(f.ownerId, ['User'], 'filter.ownerId').id));
  if (f.updatedSince != null) conditions.push(gte(leads.updatedAt, f.updatedSince));
  // A name pattern: unprepared, planned for its pattern (see listCustomers).
  return paginate({ db, table: leads, where: and(...conditions), sort, page, prepare: !(f.name != null && f.name.trim() !== '') });
}
