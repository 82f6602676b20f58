// Possible duplicates (docs/domain.md#possible-duplicates): the leads and customers that may be the
// same business or person as a record, by name similarity (pg_trgm), the same email address, telephone
// number, VAT number, or postcode and line 1, ranked with the reasons. `createCustomer`, `createLead`
// and `convertLead` check the record they have just written, inside their transaction, and may refuse
// (a rollback: nothing saved); `possibleDuplicates(customerId:)` lists merge candidates.
//
// Only records the viewer may see are ever looked at: each reason's query carries the visibility
// condition itself, before any limit, so a record the viewer may not see changes neither the list,
// nor its length, nor whether a creation is refused. Every reason is an index lookup (see the indexes
// on the normalised forms, ./keys.ts) and is cut at PER_REASON rows, so a check costs the same in an
// organisation of a hundred records as in one of a million.
import { and, eq, isNull, ne, sql, type SQL } from 'drizzle-orm';
import { addresses } from '../addresses/tables';
import type { Actor } from '../audit/service';
import type { RecordKind, Visibility } from '../auth/visibility';
import { contacts } from '../contacts/tables';
import { customers } from '../customers/tables';
import { selectRows, type Db } from '../db/client';
import type { DuplicateReason } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { UserErrors } from '../graph/user-errors';
import { leads } from '../leads/tables';
import { duplicateKeys } from './keys';

/** The longest list of possible duplicates given. */
export const MAX_DUPLICATES = 10;
/** Rows each reason's query returns at most (before they are combined per record and ranked). */
const PER_REASON = 50;
/** Names at least this alike (pg_trgm similarity of the normalised names) are SIMILAR_NAME. */
export const NAME_SIMILARITY = 0.5;
/** Normalised names shorter than this (e.g. "AB") are not compared: everything would be "alike". */
const MIN_NAME_KEY = 3;

/** How much each reason says that two records are one (SIMILAR_NAME: times the similarity). */
const WEIGHTS: Record<DuplicateReason, number> = {
  SAME_VAT_NUMBER: 0.9,
  SAME_EMAIL: 0.8,
  SAME_PHONE: 0.7,
  SIMILAR_NAME: 0.7,
  SAME_ADDRESS: 0.6,
};

export type DuplicateMatchValue = { reason: DuplicateReason; matchedValue: string; similarity: number | null };

/** A possible duplicate as the API gives it (GraphQL `PossibleDuplicate`); its record is read by id when asked for. */
export type PossibleDuplicateValue = { kind: RecordKind; id: string; score: number; reasons: DuplicateMatchValue[] };

/** The record the check is about. */
export type DuplicateSource = { kind: RecordKind; id: string };

/** Who looks: the organisation, and which records of each kind they may see (undefined: all). */
export type DuplicateViewer = Pick<Visibility, 'organisationId' | 'record'>;

/** What the source record is compared by: its normalised values (./keys.ts). */
export type DuplicateProbe = { name: string | null; vatNumber: string | null; emails: string[]; phones: string[]; addresses: string[] };

type CandidateRow = { kind: RecordKind; id: string; name: string; reason: DuplicateReason; value: string; similarity: number | null };

const recordTables = { customer: customers, lead: leads } as const;
const contactOwner = { customer: contacts.customerId, lead: contacts.leadId } as const;
const addressOwner = { customer: addresses.customerId, lead: addresses.leadId } as const;

/** A text[] parameter, each element quoted (values are users' text). */
function textArray(values: readonly string[]): SQL {
  const quoted = values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`);
  return sql`${`{${quoted.join(',')}}`}::text[]`;
}

/** The source record's normalised values, in one statement; null if there is no such record. */
async function probeOf(db: Db, source: DuplicateSource): Promise<DuplicateProbe | null> {
  const t = recordTables[source.kind];
  const [row] = await selectRows<{ name: string | null; vat_number: string | null; emails: string[]; phones: string[]; addresses: string[] }>(
    db,
    sql`select ${duplicateKeys.name(t.name)} as name, ${duplicateKeys.vatNumber(t.vatNumber)} as vat_number,
          coalesce((select jsonb_agg(distinct k) from ${contacts} cross join lateral unnest(${duplicateKeys.contactEmails(contacts.emails)}) k
            where ${contactOwner[source.kind]} = ${t.id}), '[]'::jsonb) as emails,
          coalesce((select jsonb_agg(distinct k) from ${contacts} cross join lateral unnest(${duplicateKeys.contactPhones(contacts.phones)}) k
            where ${contactOwner[source.kind]} = ${t.id}), '[]'::jsonb) as phones,
          coalesce((select jsonb_agg(distinct ${duplicateKeys.address(addresses.postcode, addresses.line1)}) from ${addresses}
            where ${addressOwner[source.kind]} = ${t.id} and ${duplicateKeys.address(addresses.postcode, addresses.line1)} is not null), '[]'::jsonb) as addresses
        from ${t} where ${t.id} = ${source.id}`,
  );
  if (!row) return null;
  return {
    name: row.name !== null && row.name.length >= MIN_NAME_KEY ? row.name : null,
    vatNumber: row.vat_number,
    emails: row.emails,
    phones: row.phones,
    addresses: row.addresses,
  };
}

/** One query per reason over one kind of record, each limited to what the viewer sees and cut at PER_REASON rows. */
function candidateQueries(kind: RecordKind, probe: DuplicateProbe, viewer: DuplicateViewer, exclude: readonly string[]): SQL[] {
  const t = recordTables[kind];
  const candidate = and(
    eq(t.organisationId, viewer.organisationId),
    viewer.record(kind),
    // An anonymised customer has no personal data left to match; a converted lead lives on as its customer.
    kind === 'customer' ? isNull(customers.anonymisedAt) : ne(leads.status, 'CONVERTED'),
    exclude.length > 0 ? sql`${t.id} <> all(${uuidArray(exclude)})` : undefined,
  );
  const pick = (reason: DuplicateReason, value: SQL, similarity: SQL = sql`null::float8`) =>
    sql`select ${kind}::text as kind, ${t.id} as id, ${t.name} as name, ${reason}::text as reason, (${value})::text as value, ${similarity} as similarity`;
  const queries: SQL[] = [];
  if (probe.name !== null) {
    const key = duplicateKeys.name(t.name);
    const similarity = sql`similarity(${key}, ${probe.name}::text)::float8`;
    // `%` (pg_trgm's default threshold, 0.3) lets the trigram index find the candidates; the
    // similarity condition keeps the alike ones.
    queries.push(
      sql`${pick('SIMILAR_NAME', sql`${t.name}`, similarity)} from ${t}
          where ${key} % ${probe.name}::text and ${similarity} >= ${NAME_SIMILARITY} and ${candidate}
          order by 6 desc, 2 limit ${PER_REASON}`,
    );
  }
  if (probe.vatNumber !== null) {
    queries.push(
      sql`${pick('SAME_VAT_NUMBER', sql`${t.vatNumber}`)} from ${t}
          where ${duplicateKeys.vatNumber(t.vatNumber)} = ${probe.vatNumber}::text and ${candidate}
          order by 2 limit ${PER_REASON}`,
    );
  }
  if (probe.emails.length > 0) {
    const emails = textArray(probe.emails);
    queries.push(
      sql`${pick('SAME_EMAIL', sql`e ->> 'address'`)} from ${contacts} join ${t} on ${t.id} = ${contactOwner[kind]}
          cross join lateral jsonb_array_elements(${contacts.emails}) e
          where ${contacts.organisationId} = ${viewer.organisationId} and ${duplicateKeys.contactEmails(contacts.emails)} && ${emails}
            and ${duplicateKeys.email(sql`e ->> 'address'`)} = any(${emails}) and ${candidate}
          order by 2 limit ${PER_REASON}`,
    );
  }
  if (probe.phones.length > 0) {
    const phones = textArray(probe.phones);
    queries.push(
      sql`${pick('SAME_PHONE', sql`p ->> 'number'`)} from ${contacts} join ${t} on ${t.id} = ${contactOwner[kind]}
          cross join lateral jsonb_array_elements(${contacts.phones}) p
          where ${contacts.organisationId} = ${viewer.organisationId} and ${duplicateKeys.contactPhones(contacts.phones)} && ${phones}
            and ${duplicateKeys.phone(sql`p ->> 'number'`)} = any(${phones}) and ${candidate}
          order by 2 limit ${PER_REASON}`,
    );
  }
  if (probe.addresses.length > 0) {
    const keys = textArray(probe.addresses);
    queries.push(
      sql`${pick('SAME_ADDRESS', sql`${addresses.line1} || ', ' || ${addresses.postcode}`)} from ${addresses} join ${t} on ${t.id} = ${addressOwner[kind]}
          where ${addresses.organisationId} = ${viewer.organisationId} and ${duplicateKeys.address(addresses.postcode, addresses.line1)} = any(${keys}) and ${candidate}
          order by 2 limit ${PER_REASON}`,
    );
  }
  return queries;
}

/** The candidates' matches combined per record, scored, ranked (strongest first) and cut at MAX_DUPLICATES. */
function rank(rows: readonly CandidateRow[]): PossibleDuplicateValue[] {
  const byRecord = new Map<string, { kind: RecordKind; id: string; name: string; matches: Map<string, DuplicateMatchValue> }>();
  for (const row of rows) {
    const key = `${row.kind}:${row.id}`;
    let record = byRecord.get(key);
    if (!record) byRecord.set(key, (record = { kind: row.kind, id: row.id, name: row.name, matches: new Map() }));
    const similarity = row.similarity === null ? null : Math.round(Number(row.similarity) * 1000) / 1000;
    record.matches.set(`${row.reason}:${row.value.toLowerCase()}`, { reason: row.reason, matchedValue: row.value, similarity });
  }
  const weight = (m: DuplicateMatchValue) => WEIGHTS[m.reason] * (m.similarity ?? 1);
  const ranked = [...byRecord.values()].map((record) => {
    const reasons = [...record.matches.values()].sort((a, b) => weight(b) - weight(a) || (a.matchedValue < b.matchedValue ? -1 : 1));
    // Each reason counts once, at its strongest: two shared email addresses are one reason.
    const strongest = new Map<DuplicateReason, number>();
    for (const m of reasons) strongest.set(m.reason, Math.max(strongest.get(m.reason) ?? 0, weight(m)));
    const score = 1 - [...strongest.values()].reduce((rest, w) => rest * (1 - w), 1);
    return { kind: record.kind, id: record.id, name: record.name, score: Math.round(score * 1000) / 1000, reasons };
  });
  ranked.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
  return ranked.slice(0, MAX_DUPLICATES).map(({ name: _name, ...duplicate }) => duplicate);
}

/**
 * The possible duplicates of a stored record among the kinds of record in `among`, that `viewer`
 * may see: never the record itself, nor those in `exclude`, anonymised customers or converted leads.
 */
export async function findPossibleDuplicates(
  db: Db,
  viewer: DuplicateViewer,
  source: DuplicateSource,
  options: { among: readonly RecordKind[]; exclude?: readonly string[] },
): Promise<PossibleDuplicateValue[]> {
  const probe = await probeOf(db, source);
  if (!probe) return [];
  const query = candidatesQuery(probe, viewer, options.among, [source.id, ...(options.exclude ?? [])]);
  return query ? rank(await selectRows<CandidateRow>(db, query)) : [];
}

/** Every reason's query over every kind in `among`, as one statement; null when the probe has nothing to compare. */
export function candidatesQuery(probe: DuplicateProbe, viewer: DuplicateViewer, among: readonly RecordKind[], exclude: readonly string[]): SQL | null {
  const queries = among.flatMap((kind) => candidateQueries(kind, probe, viewer, exclude));
  if (queries.length === 0) return null;
  return sql.join(
    queries.map((q) => sql`(${q})`),
    sql` union all `,
  );
}

/** What an actor sees, for the check: a user or portal token their visibility; the server's own work everything. */
function viewerOf(actor: Actor): DuplicateViewer {
  return actor.visibility ?? { organisationId: actor.organisationId, record: () => undefined };
}

/**
 * The check a creation makes on the record it has just written, inside its transaction: the
 * possible duplicates, or (with `refuse`, when there are any) a POSSIBLE_DUPLICATES user error that
 * rolls the creation back and still answers with them.
 */
export async function checkPossibleDuplicates(
  tx: Db,
  actor: Actor,
  source: DuplicateSource,
  options: { among: readonly RecordKind[]; exclude?: readonly string[]; refuse: boolean | null | undefined },
): Promise<PossibleDuplicateValue[]> {
  const found = await findPossibleDuplicates(tx, viewerOf(actor), source, options);
  if (options.refuse && found.length > 0) {
    const [first] = found;
    const count = found.length === 1 ? 'a possible duplicate' : `${found.length} possible duplicates`;
    const why = first!.reasons.map((r) => r.reason.toLowerCase().replace(/_/g, ' ')).filter((r, i, all) => all.indexOf(r) === i);
    throw new UserErrors(
      [
        {
          field: ['input', 'refuseIfDuplicates'],
          message: `refuseIfDuplicates: nothing was saved: there is ${count} (the strongest, a ${first!.kind}: ${why.join(', ')}); see possibleDuplicates, or send again without refuseIfDuplicates to save anyway.`,
          code: 'POSSIBLE_DUPLICATES',
        },
      ],
      { possibleDuplicates: found },
    );
  }
  return found;
}
