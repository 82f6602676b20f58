// The import and export endpoints: plain HTTP (a file goes up, a ZIP comes down), authenticated
// like GraphQL (`Authorization: Bearer <token>`), and answering errors in GraphQL's shape
// (`{ errors: [{ message, extensions: { code, field? } }] }`).
//
//   POST /imports/work-addresses        multipart/form-data, in this order: `customerId` (a Customer
//                                       global id), `mapping` (JSON: CSV header → work-address field,
//                                       e.g. {"Address 1":"line1","Post Code":"postcode"}), `mode`
//                                       (ALL_OR_NOTHING, the default, COMMIT_VALID_ROWS, or DRY_RUN to
//                                       check every row and keep nothing), optionally
//                                       `encoding` (the file's character set when not UTF-8, e.g.
//                                       windows-1252), then `file`.
//                                       Writers only (ADMIN, MANAGER, SALES, SERVICE), on a customer they
//                                       see. The answer comes when the import has finished: 200 with
//                                       `{ importJob: { id, status, rowsRead, rowsImported, rowsValid, rowsUpdated, errorCount,
//                                       errors } }`, whatever the job's status. While it runs, the job is
//                                       already visible to `importJob(id:)`/`node(id:)` (its id is also in
//                                       the `x-import-job-id` response header, sent as soon as the job exists, before the body).
//                                       Problems with the request itself (mapping, a mapped column missing
//                                       from the header, no file) are a 400 before any job exists; so is a
//                                       body cut short before then (INCOMPLETE_UPLOAD), after which the
//                                       job's answer is FAILED with the reason (src/http/multipart.ts).
//   POST /imports/customers             the same, without `customerId`: one customer per row, with its
//                                       billing address and at most one contact (src/import-export/
//                                       customer-import.ts lists the fields). ADMIN, MANAGER and SALES;
//                                       the importing user owns the customers.
//   POST /imports/customer-archive      multipart/form-data: `mode` (ALL_OR_NOTHING, the default, or
//                                       DRY_RUN), then `file`, the ZIP an export gave. ADMIN only: it
//                                       creates records of every kind, owned as the archive says. The
//                                       archive is read whole (at most MAX_ARCHIVE_BYTES) before anything
//                                       is checked; its shape (manifest, files, columns) is a 400 before
//                                       any job; then a job as above, its errors naming file, row and
//                                       column (customer-archive-import.ts).
//   GET /exports/customers/:id.zip      one customer, for any user who sees it (logged as a read).
//   GET /exports/customers.zip          every customer the viewer sees; ADMIN and MANAGER only.
import type Archiver from 'archiver';
import { and, eq } from 'drizzle-orm';
import express from 'express';
import type { Logger } from 'pino';
import { actorOf } from '../audit/actor';
import { writeCustomerReads } from '../audit/read-log-plugin';
import { contextOf, type HttpAuthentication } from '../auth/http';
import { admins, everyone, fieldWorkers, managers, sellers, type RoleSet } from '../auth/roles';
import type { Config } from '../config';
import { customers } from '../customers/tables';
import type { Database } from '../db/client';
import type { Context } from '../graph/context';
import { parseGlobalId, toGlobalId } from '../graph/ids';
import { receiveForm, releaseBody } from '../http/multipart';
import { lazyModule } from '../lazy-module';
import {
  IMPORT_MODES,
  parseEncoding,
  parseMapping as parseTargetMapping,
  runCsvImport,
  type ImportMode,
  type ImportOutcome,
  type ImportTarget,
  type RequestProblem,
} from './csv-import';
import { importCustomerArchive, readArchive } from './customer-archive-import';
import { appendCustomerExport, type ExportScope } from './customer-export';
import { CUSTOMER_IMPORT_MAPPABLE, customerImportTarget } from './customer-import';
import { heartbeatMs } from './job-watch';
import type { ImportJobRow } from './tables';
import { parseMapping, workAddressTarget } from './work-address-import';

/** The zip writer, loaded with the first export rather than with the server (src/lazy-module.ts). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const archiver = lazyModule(() => require('archiver') as typeof Archiver);

/** Roles that change work addresses, and so may import them. */
const WORK_ADDRESS_IMPORTERS = fieldWorkers;
/** Roles that create customers in bulk (SERVICE works on customers but does not bring them in). */
const CUSTOMER_IMPORTERS = sellers;
/** Roles that may export every customer at once. */
const BULK_EXPORTERS = managers;
/** Roles that may restore an export's archive (every kind of record, other users' records included). */
const ARCHIVE_IMPORTERS = admins;
/** The largest archive accepted (it is held whole: a ZIP is read from its end); beyond it 413. */
const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;
/** The largest CSV accepted; beyond it the job FAILS (rows committed so far stay in COMMIT_VALID_ROWS). */
const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

type Problem = { message: string; code: string; field?: string[] };

function refuse(res: express.Response, status: number, problems: Problem[]): void {
  if (res.headersSent) return;
  res.status(status).json({ errors: problems.map((p) => ({ message: p.message, extensions: { code: p.code, ...(p.field ? { field: p.field } : {}) } })) });
}

function jobAnswer(job: ImportJobRow) {
  return {
    id: toGlobalId('ImportJob', job.id),
    status: job.status,
    mode: job.mode,
    rowsRead: job.rowsRead,
    rowsImported: job.rowsImported,
    rowsValid: job.rowsValid,
    rowsUpdated: job.rowsUpdated,
    errorCount: job.errorCount,
    errors: job.errors,
    failureMessage: job.failureMessage,
  };
}

export function importExportRouter(options: { database: Database; config: Config; log: Logger; authentication: HttpAuthentication }): express.Router {
  const { database, config, authentication } = options;
  const router = express.Router();

  /** The uuid of a customer the viewer sees, from its global id; null (and 404) otherwise. */
  async function visibleCustomer(ctx: Context, res: express.Response, globalId: string | undefined, field: string): Promise<string | null> {
    const parsed = globalId ? parseGlobalId(globalId) : null;
    if (!parsed || parsed.type !== 'Customer') {
      refuse(res, 400, [{ message: `${field}: ${JSON.stringify(globalId ?? null)} is not a valid Customer ID.`, code: 'INVALID', field: [field] }]);
      return null;
    }
    const [row] = await ctx.db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.id, parsed.id), eq(customers.organisationId, ctx.visibility.organisationId), ctx.visibility.record('customer')));
    if (!row) {
      refuse(res, 404, [{ message: `${field}: no customer with this ID.`, code: 'NOT_FOUND', field: [field] }]);
      return null;
    }
    return row.id;
  }

  /**
   * A multipart CSV upload, for users with one of `roles`: the fields first, then `file`. `prepare` checks the fields (mode is
   * checked here) and returns what to import, or answers the request itself and returns null.
   */
  function importRoute<V>(
    roles: RoleSet,
    fieldNames: string,
    prepare: (
      ctx: Context,
      res: express.Response,
      fields: Record<string, string>,
      problems: RequestProblem[],
    ) => Promise<{ target: ImportTarget<V>; mapping: Record<string, string> } | null>,
  ): express.RequestHandler[] {
    const handler: express.RequestHandler = async (req, res, next) => {
      try {
        const ctx = contextOf(res);
        if (!req.is('multipart/form-data')) {
          releaseBody(req, res);
          refuse(res, 400, [{ message: `Send multipart/form-data with ${fieldNames} and then file.`, code: 'BAD_REQUEST' }]);
          return;
        }
        const form = await receiveForm(req, res, {
          fileField: 'file',
          maxFileBytes: MAX_UPLOAD_BYTES,
          limits: { fields: 10, fieldSize: 64 * 1024, parts: 20 },
          // Runs the import as the file streams in; the answer is given below, once the form is done.
          onFile: async (file): Promise<ImportOutcome | null> => {
            const problems: RequestProblem[] = [];
            const mode = (file.fields.mode?.trim() || 'ALL_OR_NOTHING') as ImportMode;
            if (!IMPORT_MODES.includes(mode))
              problems.push({
                field: ['mode'],
                message: `mode: must be ${IMPORT_MODES.slice(0, -1).join(', ')} or ${IMPORT_MODES[IMPORT_MODES.length - 1]}`,
                code: 'INVALID',
              });
            const encoding = parseEncoding(file.fields.encoding);
            if ('problems' in encoding) problems.push(...encoding.problems);
            const prepared = await prepare(ctx, res, file.fields, problems);
            if (!prepared) {
              file.stream.destroy();
              return null;
            }
            return runCsvImport({
              db: ctx.db,
              actor: actorOf(ctx),
              target: prepared.target,
              mapping: prepared.mapping,
              mode,
              fileName: file.filename ?? null,
              input: file.stream,
              encoding: 'encoding' in encoding ? encoding.encoding : undefined,
              heartbeatMs: heartbeatMs(config),
              inputComplete: file.formComplete,
              progressOutsideTransaction: database.kind === 'postgres',
              // The status line and headers leave as soon as the job exists, so a client can read the
              // job's id (and poll it) while its upload is still going; the body follows when done.
              onJobCreated: (job) => {
                res.status(200);
                res.setHeader('content-type', 'application/json; charset=utf-8');
                res.setHeader('x-import-job-id', toGlobalId('ImportJob', job.id));
                res.flushHeaders();
              },
            });
          },
        });
        const outcome = form.file?.status === 'fulfilled' ? form.file.value : null;
        // A job that started is answered with how it ended (FAILED when the form broke off), its 200 already sent.
        if (outcome && 'job' in outcome) return void res.end(JSON.stringify({ importJob: jobAnswer(outcome.job) }));
        if (form.broken) return refuse(res, form.broken.status, [{ message: form.broken.message, code: form.broken.code }]);
        if (form.file?.status === 'rejected') throw form.file.reason;
        if (outcome) return refuse(res, 400, outcome.problems);
        if (!form.file) refuse(res, 400, [{ message: 'file: is required (send the fields first, then the file)', code: 'REQUIRED', field: ['file'] }]);
      } catch (err) {
        next(err);
      }
    };
    return [authentication.requireViewer({ roles }), handler];
  }

  router.post(
    '/imports/work-addresses',
    importRoute(WORK_ADDRESS_IMPORTERS, 'customerId, mapping, mode', async (ctx, res, fields, problems) => {
      const mapping = parseMapping(fields.mapping);
      if ('problems' in mapping) problems.push(...mapping.problems);
      if (problems.length || 'problems' in mapping) {
        refuse(res, 400, problems);
        return null;
      }
      const customerId = await visibleCustomer(ctx, res, fields.customerId, 'customerId');
      if (!customerId) return null;
      return { target: workAddressTarget(actorOf(ctx), customerId), mapping: mapping.mapping };
    }),
  );

  router.post(
    '/imports/customers',
    importRoute(CUSTOMER_IMPORTERS, 'mapping, mode', async (ctx, res, fields, problems) => {
      const mapping = parseTargetMapping(fields.mapping, CUSTOMER_IMPORT_MAPPABLE);
      if ('problems' in mapping) problems.push(...mapping.problems);
      if (problems.length || 'problems' in mapping) {
        refuse(res, 400, problems);
        return null;
      }
      const prepared = await customerImportTarget(ctx.db, actorOf(ctx), mapping.mapping);
      if ('problems' in prepared) {
        refuse(res, 400, prepared.problems);
        return null;
      }
      return { target: prepared.target, mapping: mapping.mapping };
    }),
  );

  router.post('/imports/customer-archive', authentication.requireViewer({ roles: ARCHIVE_IMPORTERS }), async (req, res, next) => {
    try {
      const ctx = contextOf(res);
      if (!req.is('multipart/form-data')) {
        releaseBody(req, res);
        refuse(res, 400, [{ message: 'Send multipart/form-data with mode and then file (the ZIP of a customer export).', code: 'BAD_REQUEST' }]);
        return;
      }
      const form = await receiveForm(req, res, {
        fileField: 'file',
        maxFileBytes: MAX_ARCHIVE_BYTES,
        limits: { fields: 10, fieldSize: 64 * 1024, parts: 20 },
        onFile: async (file): Promise<{ job: ImportJobRow } | { problems: Problem[] } | null> => {
          const mode = file.fields.mode?.trim() || 'ALL_OR_NOTHING';
          if (mode !== 'ALL_OR_NOTHING' && mode !== 'DRY_RUN') {
            file.stream.destroy();
            return {
              problems: [
                {
                  field: ['mode'],
                  message: 'mode: must be ALL_OR_NOTHING or DRY_RUN (an archive is restored whole or not at all)',
                  code: 'INVALID',
                },
              ],
            };
          }
          const chunks: Buffer[] = [];
          for await (const chunk of file.stream) chunks.push(chunk as Buffer);
          // Nothing is read from a body that did not arrive whole.
          await file.formComplete;
          const archive = await readArchive(Buffer.concat(chunks));
          if ('problems' in archive) return { problems: archive.problems };
          const job = await importCustomerArchive({
            db: ctx.db,
            actor: actorOf(ctx),
            mode,
            fileName: file.filename ?? null,
            archive,
            heartbeatMs: heartbeatMs(config),
            onJobCreated: (created) => {
              res.status(200);
              res.setHeader('content-type', 'application/json; charset=utf-8');
              res.setHeader('x-import-job-id', toGlobalId('ImportJob', created.id));
              res.flushHeaders();
            },
          });
          return { job };
        },
      });
      const outcome = form.file?.status === 'fulfilled' ? form.file.value : null;
      if (outcome && 'job' in outcome) return void res.end(JSON.stringify({ importJob: jobAnswer(outcome.job) }));
      if (form.broken) return refuse(res, form.broken.status, [{ message: form.broken.message, code: form.broken.code }]);
      if (form.file?.status === 'rejected') throw form.file.reason;
      if (outcome) return refuse(res, 400, outcome.problems);
      refuse(res, 400, [{ message: 'file: is required (send mode first, then the file)', code: 'REQUIRED', field: ['file'] }]);
    } catch (err) {
      next(err);
    }
  });

  async function sendZip(res: express.Response, ctx: Context, scope: ExportScope, fileName: string): Promise<void> {
    res.status(200);
    res.setHeader('content-type', 'application/zip');
    res.setHeader('content-disposition', `attachment; filename="${fileName}"`);
    const archive = archiver()('zip', { zlib: { level: 6 } });
    const log = ctx.log;
    archive.on('warning', (err) => log.warn({ err }, 'export: archive warning'));
    archive.on('error', (err) => {
      log.error({ err }, 'export failed while streaming');
      res.destroy(err);
    });
    // A client that hangs up stops the queries too.
    res.on('close', () => {
      if (!res.writableFinished) archive.abort();
    });
    archive.pipe(res);
    appendCustomerExport(archive, ctx.db, ctx.visibility, scope);
    await archive.finalize();
  }

  router.get('/exports/customers.zip', authentication.requireViewer({ roles: BULK_EXPORTERS }), async (_req, res, next) => {
    try {
      const ctx = contextOf(res);
      await sendZip(res, ctx, { kind: 'visible' }, 'customers.zip');
    } catch (err) {
      next(err);
    }
  });

  router.get('/exports/customers/:id.zip', authentication.requireViewer({ roles: everyone }), async (req, res, next) => {
    try {
      const ctx = contextOf(res);
      const id = String(req.params.id);
      const customerId = await visibleCustomer(ctx, res, id, 'id');
      if (!customerId) return;
      // Opening one customer's whole record is a read of it (docs/domain.md#audit-trail), like
      // `customer(id:)`.
      ctx.customerReads.add(customerId);
      await writeCustomerReads(ctx);
      await sendZip(res, ctx, { kind: 'one', customerId }, `customer-${id}.zip`);
    } catch (err) {
      next(err);
    }
  });

  return router;
}
