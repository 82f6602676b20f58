// Bulk import of a customer's work addresses from CSV (docs/domain.md#import-and-export), with a column
// mapping: one target of the CSV import engine (csv-import.ts), which streams, batches, tracks the job
// and applies the mode. Each row is validated by the one schema every door into work addresses uses
// (newWorkAddressSchema); good rows are written with one multi-row insert per batch.
//
// Upsert by external key: a row whose `reference` is the reference of one of this customer's work
// addresses updates that work address instead (through updateWorkAddress, as the mutation does: the
// same checks, audit entry and version bump), in a savepoint of its own, so a refused update is that
// row's error and leaves nothing. Only the row's non-blank cells change anything, and only where they
// differ; the occupier, which the service takes whole, keeps its other parts. A reference that belongs
// to another customer's work address is refused (references are unique in the organisation), and so
// is one repeated within the file (the second row would update what the first made).
import { and, eq, inArray, type InferInsertModel } from 'drizzle-orm';
import type { Actor } from '../audit/service';
import type { Db } from '../db/client';
import { insertMany } from '../db/insert-many';
import type { UpdateWorkAddressInput } from '../generated/graphql';
import { toGlobalId } from '../graph/ids';
import { UserErrors } from '../graph/user-errors';
import { newWorkAddressSchema } from '../work-addresses/fields';
import { updateWorkAddress } from '../work-addresses/service';
import { workAddresses, type WorkAddressRow } from '../work-addresses/tables';
import {
  parseMapping as parseTargetMapping,
  runCsvImport,
  type ImportOptions,
  type ImportOutcome,
  type ImportTarget,
  type RequestProblem,
  type RowProblem,
} from './csv-import';

export { DEFAULT_BATCH_SIZE, IMPORT_MODES, type ImportMode, type ImportOutcome, type RequestProblem } from './csv-import';

/** The fields of a work address a CSV column may be mapped to. */
export const WORK_ADDRESS_IMPORT_FIELDS = Object.keys(newWorkAddressSchema.shape) as Array<keyof typeof newWorkAddressSchema.shape>;
type ImportField = (typeof WORK_ADDRESS_IMPORT_FIELDS)[number];

const NUMBER_FIELDS: ReadonlySet<string> = new Set(['latitude', 'longitude']);
const BOOLEAN_FIELDS: ReadonlySet<string> = new Set(['vacantProperty', 'afterSalesCommunication']);
export const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', 'y', '1']);
export const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', 'n', '0']);

type WorkAddressInsert = InferInsertModel<typeof workAddresses>;

/** One good row: what to insert, the fields its non-blank cells gave, and (found by checkBatch) the work address it updates. */
type WorkAddressImportRow = { values: WorkAddressInsert; given: ReadonlySet<string>; existing?: WorkAddressRow };

/** The occupier's flat fields ↔ the parts of updateWorkAddress's `occupier` input. */
const OCCUPIER_PARTS = {
  occupierTitle: 'title',
  occupierFirstName: 'firstName',
  occupierSurname: 'surname',
  occupierEmail: 'email',
  occupierPhone: 'phone',
} as const;

/** A service error's path (['input', 'occupier', 'email']) → the import field it is about, or null for the row. */
function importFieldOf(path: readonly string[]): string | null {
  const [, head, part] = path;
  if (head === 'occupier') return Object.entries(OCCUPIER_PARTS).find(([, p]) => p === part)?.[0] ?? null;
  return head !== undefined && (WORK_ADDRESS_IMPORT_FIELDS as readonly string[]).includes(head) ? head : null;
}

/**
 * The changes a row makes to the work address it matched, as updateWorkAddress takes them: the given
 * fields that differ; the occupier whole (its other parts as they are) when a given part differs.
 */
function changesOf(row: WorkAddressImportRow): Omit<UpdateWorkAddressInput, 'id'> {
  const existing = row.existing!;
  const changes: Record<string, unknown> = {};
  let occupierChanged = false;
  for (const field of row.given) {
    const value = (row.values as Record<string, unknown>)[field];
    if (value === (existing as Record<string, unknown>)[field]) continue;
    if (field in OCCUPIER_PARTS) occupierChanged = true;
    else changes[field] = value;
  }
  if (occupierChanged) {
    const occupier: Record<string, unknown> = {};
    for (const [field, part] of Object.entries(OCCUPIER_PARTS)) {
      occupier[part] = row.given.has(field) ? (row.values as Record<string, unknown>)[field] : (existing as Record<string, unknown>)[field];
    }
    changes.occupier = occupier;
  }
  return changes as Omit<UpdateWorkAddressInput, 'id'>;
}

const MAPPABLE = { fields: WORK_ADDRESS_IMPORT_FIELDS, requiredFields: ['line1'], what: 'a work address' };

/** The column mapping from its JSON text: CSV header → work-address field. Problems refuse the upload. */
export function parseMapping(text: string | undefined): { mapping: Record<string, ImportField> } | { problems: RequestProblem[] } {
  return parseTargetMapping(text, MAPPABLE) as { mapping: Record<string, ImportField> } | { problems: RequestProblem[] };
}

/** Work addresses under one customer (its uuid: the caller has checked the viewer may see it), written as `actor`. */
export function workAddressTarget(actor: Actor, customerId: string): ImportTarget<WorkAddressImportRow> {
  const organisationId = actor.organisationId;
  /** The file's references so far: a second row with the same one would update what the first made. */
  const referencesInFile = new Set<string>();

  /** Updates `row.existing` from the row, in a savepoint: null when done, or what was refused. */
  const updateFromRow = async (tx: Db, row: WorkAddressImportRow): Promise<RowProblem[] | null> => {
    const changes = changesOf(row);
    if (Object.keys(changes).length === 0) return null;
    try {
      await tx.transaction((sp) =>
        updateWorkAddress(sp, actor, row.existing!.id, { id: toGlobalId('WorkAddress', row.existing!.id), ...changes } as UpdateWorkAddressInput),
      );
      return null;
    } catch (err) {
      if (!(err instanceof UserErrors)) throw err;
      return err.errors.map((e) => ({ field: importFieldOf(e.field), message: e.message.replace(/^[\w.]+: /, '') }));
    }
  };

  return {
    ...MAPPABLE,
    kind: 'WORK_ADDRESSES',
    auditAction: 'workAddresses.import',
    customerId,
    // Numbers and yes/no converted; what does not convert is left for the schema to refuse.
    cellValue: (field, text) => {
      if (NUMBER_FIELDS.has(field)) {
        const n = Number(text);
        return Number.isFinite(n) ? n : text;
      }
      if (BOOLEAN_FIELDS.has(field)) {
        const word = text.toLowerCase();
        return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : text;
      }
      return text;
    },
    validateRow: (input) => {
      const problems: RowProblem[] = [];
      const reference = typeof input.reference === 'string' ? input.reference : undefined;
      if (reference !== undefined) {
        if (referencesInFile.has(reference)) problems.push({ field: 'reference', message: 'is on an earlier row of this file too; each work address once' });
        referencesInFile.add(reference);
      }
      const parsed = newWorkAddressSchema.safeParse(input);
      if (!parsed.success) {
        problems.push(
          ...parsed.error.issues.map((issue) => ({
            field: issue.path.length ? String(issue.path[0]) : null,
            message: issue.code === 'invalid_type' && issue.input == null ? 'is required' : issue.message,
          })),
        );
      }
      if (!parsed.success || problems.length) return { problems };
      const values: Record<string, unknown> = { organisationId, customerId };
      // Every key on every row: insertMany writes the columns of the first row.
      for (const field of WORK_ADDRESS_IMPORT_FIELDS) values[field] = (parsed.data as Record<string, unknown>)[field] ?? null;
      return { value: { values: values as WorkAddressInsert, given: new Set(Object.keys(input)) } };
    },
    // The organisation's work addresses with the batch's references; a row with one of this customer's updates it here.
    checkBatch: async (tx, rows) => {
      const references = [...new Set(rows.flatMap((r) => (r.values.reference ? [r.values.reference] : [])))];
      if (!references.length) return rows.map(() => null);
      const found = await tx
        .select()
        .from(workAddresses)
        .where(and(eq(workAddresses.organisationId, organisationId), inArray(workAddresses.reference, references)));
      const byReference = new Map(found.map((w) => [w.reference!, w]));
      const outcome: Array<RowProblem[] | null> = [];
      for (const row of rows) {
        const match = row.values.reference ? byReference.get(row.values.reference) : undefined;
        if (!match) outcome.push(null);
        else if (match.customerId !== customerId) {
          outcome.push([
            {
              field: 'reference',
              message: `is the reference of work address ${toGlobalId('WorkAddress', match.id)} of another customer; references are unique in the organisation`,
            },
          ]);
        } else {
          row.existing = match;
          outcome.push(await updateFromRow(tx, row));
        }
      }
      return outcome;
    },
    insertBatch: async (tx, all) => {
      // Rows that matched an existing work address were written by checkBatch.
      const rows = all.filter((r) => !r.existing);
      await insertMany(
        tx,
        workAddresses,
        rows.map((r) => r.values),
      );
      return { updated: all.length - rows.length };
    },
  };
}

export type WorkAddressImportOptions = Omit<ImportOptions<WorkAddressImportRow>, 'target' | 'mapping'> & {
  /** The customer's uuid: the caller has checked the viewer may see it. */
  customerId: string;
  mapping: Record<string, ImportField>;
};

export function importWorkAddresses(options: WorkAddressImportOptions): Promise<ImportOutcome> {
  const { customerId, ...rest } = options;
  return runCsvImport({ ...rest, target: workAddressTarget(options.actor, customerId) });
}
