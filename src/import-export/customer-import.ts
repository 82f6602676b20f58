// Bulk import of customers from CSV (docs/domain.md#import-and-export): one target of the CSV import
// engine (csv-import.ts). Each row is one customer with its billing address and at most one contact,
// checked by the same rules as createCustomer (its zod pieces, the type's required fields, the
// importer's status security groups); the importing user owns what they import. A batch is three
// multi-row inserts (customers, addresses, contacts) with ids made here so the rows can point at each
// other.
//
// Upsert by external key: a row whose thirdPartyReference is an existing customer's updates that
// customer instead (through the same services as updateCustomer, changeCustomerType,
// changeCustomerStatus, updateAddress, updateContact/createContact: the same checks, audit entries and
// events), in a savepoint of its own, so a refused update is that row's error and leaves nothing. Only
// the row's non-blank cells change anything (a blank cell is no instruction to clear a field).
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { assertStatusPermitted } from '../access/status-group-service';
import { addressFieldsSchema, updateAddress } from '../addresses/service';
import { addresses } from '../addresses/tables';
import type { Actor } from '../audit/service';
import { decidePreferences, enteredChannels } from '../contacts/preferences';
import { contactFieldsSchema, createContact, updateContact } from '../contacts/service';
import { contacts } from '../contacts/tables';
import { validateCustomFields } from '../custom-fields/validate';
import { assertCustomerFieldsPermitted } from '../customers/field-permissions';
import { customerFields, unmetTypeRequirements, updateCustomer } from '../customers/service';
import { customers, customerStatuses, customerTypes, type CustomerRow, type CustomerStatusRow, type CustomerTypeRow } from '../customers/tables';
import { changeCustomerStatus, changeCustomerType } from '../customers/workflows';
import type { Db } from '../db/client';
import { insertMany } from '../db/insert-many';
import { toGlobalId } from '../graph/ids';
import { currencyFractionDigits } from '../graph/money';
import { UserErrors } from '../graph/user-errors';
import { assertCustomerTransition, recordCustomerStatusChanges } from '../status-history/service';
import { optionalEmail, optionalPhone } from '../work-addresses/fields';
import type { ImportTarget, RequestProblem, RowProblem } from './csv-import';

const CUSTOMER_COLUMNS = [
  'name',
  'type',
  'status',
  'vatNumber',
  'creditLimit',
  'creditorDays',
  'advertisingSource',
  'buildingType',
  'thirdPartyReference',
] as const;
const ADDRESS_COLUMNS = ['line1', 'line2', 'town', 'county', 'postcode', 'country'] as const;
/** Contact columns → the contact's own field names. */
const CONTACT_COLUMNS = {
  contactTitle: 'title',
  contactFirstName: 'firstName',
  contactSurname: 'surname',
  contactEmail: 'emails',
  contactPhone: 'phones',
} as const;

/** The fields of a customer a CSV column may be mapped to. */
export const CUSTOMER_IMPORT_FIELDS: readonly string[] = [...CUSTOMER_COLUMNS, ...ADDRESS_COLUMNS, ...Object.keys(CONTACT_COLUMNS)];
export const CUSTOMER_IMPORT_MAPPABLE = {
  fields: CUSTOMER_IMPORT_FIELDS,
  // A customer's address needs line 1 and a postcode (docs/domain.md#addresses); every customer has a
  // type (docs/domain.md#customer-types).
  requiredFields: ['name', 'type', 'line1', 'postcode'],
  what: 'a customer',
};

const customerSchema = z.object({
  name: customerFields.name,
  vatNumber: customerFields.vatNumber,
  creditLimit: customerFields.creditLimit,
  creditorDays: customerFields.creditorDays.nullish(),
  advertisingSource: customerFields.advertisingSource,
  buildingType: customerFields.buildingType,
  thirdPartyReference: customerFields.thirdPartyReference,
});
// The GraphQL scalars (EmailAddress, PhoneNumber) check these for createCustomer; here the same checks in zod.
const contactCellsSchema = z.object({ contactEmail: optionalEmail, contactPhone: optionalPhone });

/**
 * A decimal amount in the currency → integer minor units, exactly (no floats): "1234.5" → 123450 in
 * GBP. A problem message when it is not one.
 */
export function parseMinorUnits(text: string, currency: string): { amountMinor: number } | { problem: string } {
  const digits = currencyFractionDigits(currency);
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  const example = digits > 0 ? `1234.${'5'.padEnd(digits, '0')}` : '1234';
  if (!match) return { problem: `must be an amount in ${currency}, e.g. ${example}` };
  if (match[1]) return { problem: 'must not be negative' };
  const fraction = match[3] ?? '';
  if (fraction.length > digits) return { problem: `must have at most ${digits} decimal places in ${currency}` };
  const minor = BigInt(match[2]!) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return { problem: 'is too large' };
  return { amountMinor: Number(minor) };
}

type CustomerImportRow = {
  customer: typeof customers.$inferInsert;
  address: typeof addresses.$inferInsert;
  contact: typeof contacts.$inferInsert | null;
  /** The import fields the row gave (non-blank cells): an update changes only these. */
  given: ReadonlySet<string>;
  /** The existing customer with the row's thirdPartyReference, which the row updates (found by checkBatch). */
  existing?: CustomerRow;
};

/** A service's field path (['input', 'contact', 'surname']) → the import field it is about, or null for the row. */
function importFieldOf(path: readonly string[]): string | null {
  const last = path[path.length - 1];
  if (last === undefined) return null;
  if (last === 'statusId') return 'status';
  if (last === 'typeId') return 'type';
  const contactColumn = Object.entries(CONTACT_COLUMNS).find(([, field]) => field === last)?.[0];
  if (contactColumn) return contactColumn;
  return CUSTOMER_IMPORT_FIELDS.includes(last) ? last : null;
}

/** The problems of a zod result, by the import's field names. */
function zodProblems(issues: z.core.$ZodIssue[], fieldOf: (path: string) => string = (p) => p): RowProblem[] {
  return issues.map((issue) => ({
    field: issue.path.length ? fieldOf(String(issue.path[0])) : null,
    message: issue.code === 'invalid_type' && issue.input == null ? 'is required' : issue.message,
  }));
}

/**
 * The customers target for this actor: reads the organisation's types and statuses once, and which
 * statuses the actor may set. Refuses the upload when the organisation requires custom fields that
 * a CSV row cannot give (on customers, or on contacts when contact columns are mapped).
 */
export async function customerImportTarget(
  db: Db,
  actor: Actor,
  mapping: Record<string, string>,
): Promise<{ target: ImportTarget<CustomerImportRow> } | { problems: RequestProblem[] }> {
  const problems: RequestProblem[] = [];
  const mapsContact = Object.values(mapping).some((field) => field in CONTACT_COLUMNS);
  for (const entity of mapsContact ? (['CUSTOMER', 'CONTACT'] as const) : (['CUSTOMER'] as const)) {
    try {
      await validateCustomFields(db, actor.organisationId, entity, {}, ['customFields'], { requireAll: true });
    } catch (err) {
      if (!(err instanceof UserErrors)) throw err;
      const keys = err.errors.map((e) => e.field[e.field.length - 1]).join(', ');
      problems.push({
        field: ['mapping'],
        message: `mapping: every ${entity.toLowerCase()} of this organisation needs the custom fields ${keys}, which an import cannot set`,
        code: 'INVALID',
      });
    }
  }
  if (problems.length) return { problems };

  const types = await db.select().from(customerTypes).where(eq(customerTypes.organisationId, actor.organisationId)).orderBy(asc(customerTypes.position));
  const statuses = await db
    .select()
    .from(customerStatuses)
    .where(eq(customerStatuses.organisationId, actor.organisationId))
    .orderBy(sql`${customerStatuses.isDefault} desc`, asc(customerStatuses.position));
  const typeByName = new Map(types.map((t) => [t.name.toLowerCase(), t]));
  const statusByCode = new Map(statuses.map((s) => [s.code.toUpperCase(), s]));
  const statusByName = new Map(statuses.map((s) => [s.name.toLowerCase(), s]));
  const defaultStatus = statuses[0];
  if (!defaultStatus) throw new Error(`organisation ${actor.organisationId} has no customer statuses`);
  // Checked once per status, as createCustomer checks the one it sets (the default one too).
  const refusedStatus = new Map<string, string>();
  for (const status of statuses) {
    try {
      await assertStatusPermitted(db, actor, null, status.id, ['status']);
      await assertCustomerTransition(db, actor, null, status.id, ['status']);
    } catch (err) {
      if (!(err instanceof UserErrors)) throw err;
      refusedStatus.set(status.id, err.errors[0]!.message.replace(/^status: /, ''));
    }
  }
  const currency = actor.currency;

  /** The file's references so far: a second row with the same one would update what the first made. */
  const referencesInFile = new Set<string>();

  const validateRow = (input: Record<string, unknown>): { value: CustomerImportRow } | { problems: RowProblem[] } => {
    const problems: RowProblem[] = [];
    const text = (field: string) => input[field] as string | undefined;
    const reference = text('thirdPartyReference');
    if (reference !== undefined) {
      if (referencesInFile.has(reference))
        problems.push({ field: 'thirdPartyReference', message: 'is on an earlier row of this file too; each customer once' });
      referencesInFile.add(reference);
    }

    let type: CustomerTypeRow | undefined;
    const typeName = text('type');
    if (typeName === undefined) problems.push({ field: 'type', message: 'is required' });
    else {
      type = typeByName.get(typeName.toLowerCase());
      if (!type)
        problems.push({ field: 'type', message: `${JSON.stringify(typeName)} is not a customer type (one of ${types.map((t) => t.name).join(', ')})` });
    }

    let status: CustomerStatusRow | undefined = defaultStatus;
    const statusText = text('status');
    if (statusText !== undefined) {
      status = statusByCode.get(statusText.toUpperCase()) ?? statusByName.get(statusText.toLowerCase());
      if (!status) problems.push({ field: 'status', message: `${JSON.stringify(statusText)} is not a customer status code or name` });
    }
    if (status && refusedStatus.has(status.id)) problems.push({ field: 'status', message: refusedStatus.get(status.id)! });

    let creditLimit: { amountMinor: number; currency: string } | undefined;
    const creditText = text('creditLimit');
    if (creditText !== undefined) {
      const parsed = parseMinorUnits(creditText, currency);
      if ('problem' in parsed) problems.push({ field: 'creditLimit', message: parsed.problem });
      else creditLimit = { amountMinor: parsed.amountMinor, currency };
    }
    let creditorDays: unknown;
    const daysText = text('creditorDays');
    if (daysText !== undefined) {
      if (/^-?\d+$/.test(daysText)) creditorDays = Number(daysText);
      else problems.push({ field: 'creditorDays', message: 'must be a whole number of days from 0 to 365' });
    }
    const fields = customerSchema.safeParse({
      name: text('name'),
      vatNumber: text('vatNumber'),
      creditLimit,
      creditorDays,
      advertisingSource: text('advertisingSource'),
      buildingType: text('buildingType'),
      thirdPartyReference: text('thirdPartyReference'),
    });
    if (!fields.success) problems.push(...zodProblems(fields.error.issues));
    // The importer's role, as for createCustomer (src/customers/field-permissions.ts): e.g. no credit terms from SALES.
    try {
      assertCustomerFieldsPermitted(
        actor,
        ['creditLimit', 'creditorDays', 'vatNumber', 'advertisingSource', 'buildingType', 'thirdPartyReference'].filter((f) => text(f) !== undefined),
        actor.userId,
      );
    } catch (refused) {
      if (!(refused instanceof UserErrors)) throw refused;
      for (const e of refused.errors) problems.push({ field: e.field[e.field.length - 1]!, message: e.message.replace(/^\w+: /, '') });
    }

    const address = addressFieldsSchema.safeParse(Object.fromEntries(ADDRESS_COLUMNS.map((f) => [f, text(f)])));
    if (!address.success) problems.push(...zodProblems(address.error.issues));
    else if (!address.data.postcode) problems.push({ field: 'postcode', message: "is required for a customer's address (work is scheduled by it)" });

    const givesContact = Object.keys(CONTACT_COLUMNS).some((f) => input[f] !== undefined);
    let contact: z.output<typeof contactFieldsSchema> | null = null;
    if (givesContact) {
      const cells = contactCellsSchema.safeParse({ contactEmail: text('contactEmail'), contactPhone: text('contactPhone') });
      if (!cells.success) problems.push(...zodProblems(cells.error.issues));
      const email = cells.success ? cells.data.contactEmail : null;
      const phone = cells.success ? cells.data.contactPhone : null;
      const parsed = contactFieldsSchema.safeParse({
        title: text('contactTitle'),
        firstName: text('contactFirstName'),
        surname: text('contactSurname'),
        emails: email ? [{ address: email, label: null }] : [],
        phones: phone ? [{ type: 'OFFICE', number: phone }] : [],
        // A private customer's one contact is its primary contact (docs/domain.md#contacts).
        isPrimary: type?.allowsPrimaryContact ?? false,
      });
      const columnOf = Object.fromEntries(Object.entries(CONTACT_COLUMNS).map(([column, field]) => [field, column]));
      if (!parsed.success) problems.push(...zodProblems(parsed.error.issues, (p) => columnOf[p] ?? p));
      else contact = parsed.data;
    }

    if (type && fields.success) {
      const unmet = unmetTypeRequirements(
        type,
        { vatNumber: fields.data.vatNumber ?? null, thirdPartyReference: fields.data.thirdPartyReference ?? null },
        {
          primaryContact: contact?.isPrimary === true,
          billingAddress: true,
        },
      );
      for (const u of unmet) {
        const field = u.field === 'contacts' ? 'contactSurname' : u.field === 'address' ? 'line1' : u.field;
        problems.push({ field, message: u.message.replace(/^\w+: /, '') });
      }
    }
    if (problems.length || !type || !status || !fields.success || !address.success) return { problems };

    const customerId = randomUUID();
    const f = fields.data;
    // Every key on every row: insertMany writes the columns of the first row.
    const customer: typeof customers.$inferInsert = {
      id: customerId,
      organisationId: actor.organisationId,
      name: f.name,
      typeId: type.id,
      statusId: status.id,
      stage: 'LIVE',
      ownerId: actor.userId,
      vatNumber: f.vatNumber ?? null,
      creditLimitMinor: f.creditLimit?.amountMinor ?? null,
      currency,
      creditorDays: f.creditorDays ?? 30,
      advertisingSource: f.advertisingSource ?? null,
      buildingType: f.buildingType ?? null,
      thirdPartyReference: f.thirdPartyReference ?? null,
      createdById: actor.userId,
    };
    const a = address.data;
    const addressRow: typeof addresses.$inferInsert = {
      id: randomUUID(),
      organisationId: actor.organisationId,
      customerId,
      type: 'BILLING',
      // The customer's only address is its billing default, as insertAddresses makes the first one.
      isDefault: true,
      line1: a.line1,
      line2: a.line2 ?? null,
      town: a.town ?? null,
      county: a.county ?? null,
      postcode: a.postcode ?? null,
      country: a.country,
    };
    const contactRow: typeof contacts.$inferInsert | null = contact && {
      id: randomUUID(),
      organisationId: actor.organisationId,
      customerId,
      title: contact.title ?? null,
      firstName: contact.firstName ?? null,
      surname: contact.surname,
      emails: contact.emails,
      phones: contact.phones,
      isPrimary: contact.isPrimary,
      communicationPreferences: decidePreferences([], [], enteredChannels([], [], contact.emails, contact.phones), new Date()),
    };
    return { value: { customer, address: addressRow, contact: contactRow, given: new Set(Object.keys(input)) } };
  };

  /** Updates `row.existing` from the row, in a savepoint: null when done, or what was refused. */
  const updateFromRow = async (tx: Db, row: CustomerImportRow): Promise<RowProblem[] | null> => {
    const existing = row.existing!;
    const id = toGlobalId('Customer', existing.id);
    const c = row.customer;
    const given = row.given;
    try {
      await tx.transaction(async (sp) => {
        const fields: Record<string, unknown> = {};
        for (const field of ['name', 'vatNumber', 'creditorDays', 'advertisingSource', 'buildingType'] as const) {
          if (given.has(field) && c[field] !== existing[field]) fields[field] = c[field];
        }
        if (given.has('creditLimit') && c.creditLimitMinor !== existing.creditLimitMinor)
          fields.creditLimit = { amountMinor: c.creditLimitMinor, currency: c.currency };
        if (Object.keys(fields).length) await updateCustomer(sp, actor, existing.id, { id, ...fields });
        if (given.has('type') && c.typeId !== existing.typeId) {
          await changeCustomerType(sp, actor, existing.id, { id, typeId: toGlobalId('CustomerType', c.typeId) });
        }
        if (given.has('status') && c.statusId !== existing.statusId) {
          await changeCustomerStatus(sp, actor, existing.id, { id, statusId: toGlobalId('CustomerStatus', c.statusId!) });
        }
        // Its default billing address (the one a customers import makes), or a new one.
        const [billing] = await sp
          .select()
          .from(addresses)
          .where(and(eq(addresses.customerId, existing.id), eq(addresses.type, 'BILLING')))
          .orderBy(sql`${addresses.isDefault} desc`, asc(addresses.createdAt))
          .limit(1);
        const a = row.address;
        const addressFields = { line1: a.line1, line2: a.line2, town: a.town, county: a.county, postcode: a.postcode, country: a.country };
        if (billing) {
          const changed = Object.fromEntries(
            Object.entries(addressFields).filter(([field, value]) => given.has(field) && value !== billing[field as keyof typeof addressFields]),
          );
          if (Object.keys(changed).length) await updateAddress(sp, actor, billing.id, { id: toGlobalId('Address', billing.id), ...changed });
        } else {
          await insertMany(sp, addresses, [{ ...a, customerId: existing.id, isDefault: true }]);
        }
        // The contact of the same name (surname, and first name when given), or a new one.
        const k = row.contact;
        if (k) {
          const same = await sp
            .select()
            .from(contacts)
            .where(
              and(
                eq(contacts.customerId, existing.id),
                sql`lower(${contacts.surname}) = lower(${k.surname})`,
                k.firstName ? sql`lower(coalesce(${contacts.firstName}, '')) = lower(${k.firstName})` : undefined,
              ),
            )
            .orderBy(asc(contacts.createdAt))
            .limit(1);
          const contactFields = {
            ...(given.has('contactTitle') ? { title: k.title } : {}),
            ...(given.has('contactFirstName') ? { firstName: k.firstName } : {}),
            surname: k.surname,
            ...(given.has('contactEmail') ? { emails: k.emails } : {}),
            ...(given.has('contactPhone') ? { phones: k.phones } : {}),
          };
          const found = same[0];
          if (found) {
            const changed = Object.fromEntries(
              Object.entries(contactFields).filter(([field, value]) => JSON.stringify(value) !== JSON.stringify(found[field as keyof typeof found])),
            );
            if (Object.keys(changed).length) await updateContact(sp, actor, found.id, { id: toGlobalId('Contact', found.id), ...changed });
          } else await createContact(sp, actor, { ownerId: id, contact: { ...contactFields, isPrimary: false } });
        }
      });
      return null;
    } catch (err) {
      if (!(err instanceof UserErrors)) throw err;
      return err.errors.map((e) => {
        const field = importFieldOf(e.field);
        return { field, message: e.message.replace(/^[\w.]+: /, '') };
      });
    }
  };

  /** The existing customers of the batch's references; each row with one is updated here (not inserted). */
  const checkBatch = async (tx: Db, rows: CustomerImportRow[]): Promise<Array<RowProblem[] | null>> => {
    const references = [...new Set(rows.flatMap((r) => (r.customer.thirdPartyReference ? [r.customer.thirdPartyReference] : [])))];
    if (!references.length) return rows.map(() => null);
    const found = await tx
      .select()
      .from(customers)
      .where(and(eq(customers.organisationId, actor.organisationId), inArray(customers.thirdPartyReference, references)));
    const byReference = new Map<string, CustomerRow[]>();
    for (const customer of found) byReference.set(customer.thirdPartyReference!, [...(byReference.get(customer.thirdPartyReference!) ?? []), customer]);
    const outcome: Array<RowProblem[] | null> = [];
    for (const row of rows) {
      const matches = row.customer.thirdPartyReference ? (byReference.get(row.customer.thirdPartyReference) ?? []) : [];
      if (matches.length > 1) {
        outcome.push([{ field: 'thirdPartyReference', message: `is the reference of ${matches.length} customers; make it unique to update one by import` }]);
      } else if (matches.length === 1) {
        row.existing = matches[0]!;
        outcome.push(await updateFromRow(tx, row));
      } else outcome.push(null);
    }
    return outcome;
  };

  return {
    target: {
      ...CUSTOMER_IMPORT_MAPPABLE,
      kind: 'CUSTOMERS',
      auditAction: 'customers.import',
      customerId: null,
      cellValue: (_field, text) => text,
      validateRow,
      checkBatch,
      insertBatch: async (tx, all) => {
        // Rows that updated an existing customer were written by checkBatch.
        const rows = all.filter((r) => !r.existing);
        await insertMany(
          tx,
          customers,
          rows.map((r) => r.customer),
        );
        await recordCustomerStatusChanges(
          tx,
          actor,
          rows.map((r) => ({ customerId: r.customer.id!, fromStatusId: null, toStatusId: r.customer.statusId, source: 'IMPORTED' as const })),
        );
        await insertMany(
          tx,
          addresses,
          rows.map((r) => r.address),
        );
        await insertMany(
          tx,
          contacts,
          rows.flatMap((r) => (r.contact ? [r.contact] : [])),
        );
        return { updated: all.length - rows.length };
      },
    },
  };
}
