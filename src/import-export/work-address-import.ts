// Bulk import of a customer's work addresses from CSV (docs/domain.md#import-and-export), with a column
// mapping: one target of the CSV import engine (csv-import.ts), which streams, batches, tracks the job
// and applies the mode. Each row is validated by the one schema every door into work addresses uses
// (newWorkAddressSchema); good rows are written with one multi-row insert per batch.
import type { InferInsertModel } from 'drizzle-orm';
import { insertMany } from '../demo/bulk';
import { newWorkAddressSchema } from '../work-addresses/fields';
import { workAddresses } from '../work-addresses/tables';
import { parseMapping as parseTargetMapping, runCsvImport, type ImportOptions, type ImportOutcome, type ImportTarget, type RequestProblem } from './csv-import';

export { DEFAULT_BATCH_SIZE, IMPORT_MODES, type ImportMode, type ImportOutcome, type RequestProblem } from './csv-import';

/** The fields of a work address a CSV column may be mapped to. */
export const WORK_ADDRESS_IMPORT_FIELDS = Object.keys(newWorkAddressSchema.shape) as Array<keyof typeof newWorkAddressSchema.shape>;
type ImportField = (typeof WORK_ADDRESS_IMPORT_FIELDS)[number];

const NUMBER_FIELDS: ReadonlySet<string> = new Set(['latitude', 'longitude']);
const BOOLEAN_FIELDS: ReadonlySet<string> = new Set(['vacantProperty', 'afterSalesCommunication']);
export const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', 'y', '1']);
export const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', 'n', '0']);

type WorkAddressInsert = InferInsertModel<typeof workAddresses>;

const MAPPABLE = { fields: WORK_ADDRESS_IMPORT_FIELDS, requiredFields: ['line1'], what: 'a work address' };

/** The column mapping from its JSON text: CSV header → work-address field. Problems refuse the upload. */
export function parseMapping(text: string | undefined): { mapping: Record<string, ImportField> } | { problems: RequestProblem[] } {
  return parseTargetMapping(text, MAPPABLE) as { mapping: Record<string, ImportField> } | { problems: RequestProblem[] };
}

/** Work addresses under one customer (its uuid: the caller has checked the viewer may see it). */
export function workAddressTarget(organisationId: string, customerId: string): ImportTarget<WorkAddressInsert> {
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
      const parsed = newWorkAddressSchema.safeParse(input);
      if (!parsed.success) {
        return {
          problems: parsed.error.issues.map((issue) => ({
            field: issue.path.length ? String(issue.path[0]) : null,
            message: issue.code === 'invalid_type' && issue.input == null ? 'is required' : issue.message,
          })),
        };
      }
      const values: Record<string, unknown> = { organisationId, customerId };
      // Every key on every row: insertMany writes the columns of the first row.
      for (const field of WORK_ADDRESS_IMPORT_FIELDS) values[field] = (parsed.data as Record<string, unknown>)[field] ?? null;
      return { value: values as WorkAddressInsert };
    },
    insertBatch: (tx, rows) => insertMany(tx, workAddresses, rows),
  };
}

export type WorkAddressImportOptions = Omit<ImportOptions<WorkAddressInsert>, 'target' | 'mapping'> & {
  /** The customer's uuid: the caller has checked the viewer may see it. */
  customerId: string;
  mapping: Record<string, ImportField>;
};

export function importWorkAddresses(options: WorkAddressImportOptions): Promise<ImportOutcome> {
  const { customerId, ...rest } = options;
  return runCsvImport({ ...rest, target: workAddressTarget(options.actor.organisationId, customerId) });
}
