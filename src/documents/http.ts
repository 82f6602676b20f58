// Documents over HTTP: `POST /documents` (multipart/form-data: a `recordId` field, then one `file`)
// and `GET /documents/:id`. GraphQL carries the metadata (src/documents/resolvers.ts); bytes never
// pass through it. Both routes take the same Bearer token as /graphql and build the same request
// context, so who sees which document is decided exactly as for the record it is attached to.
//
// An upload streams from the request, through the shared multipart reader (src/http/multipart.ts),
// through a gate that sniffs the type from the first bytes and counts the size, straight into the
// DocumentStore, which hashes as it writes: the file is never held in memory whole. The metadata row
// is written only once the whole form has arrived intact. Refused uploads (too large, wrong type,
// a body cut short, client gone) leave nothing behind: the partial bytes are deleted and no
// metadata row is written.
import { randomUUID } from 'node:crypto';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { Router } from 'express';
import { actorOf } from '../audit/actor';
import { contextOf, type HttpAuthentication } from '../auth/http';
import { everyone, fieldWorkers } from '../auth/roles';
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { Context } from '../graph/context';
import { parseGlobalId, toGlobalId } from '../graph/ids';
import { UserErrors } from '../graph/user-errors';
import { HttpRefusal, receiveForm, releaseBody, type FormFile } from '../http/multipart';
import { refuse } from '../http/refusal';
import { decideContentType, SNIFF_BYTES } from './content-type';
import { isDownloadable, recordUpload, resolveAttachment, type Attachment, type UploadedDocument } from './service';
import { documentStore } from './store';
import type { DocumentRow } from './tables';

/** Slack for the multipart framing around the file when checking Content-Length up front. */
const MULTIPART_OVERHEAD = 64 * 1024;

/** The name as uploaded, without a path or control characters, at most 255 characters. */
export function cleanFilename(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // Control characters and bidirectional overrides (which can disguise an extension).
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const cleaned = base.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  if (!cleaned || cleaned === '.' || cleaned === '..') return 'document';
  if (cleaned.length <= 255) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 11 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, 255 - extension.length) + extension;
}

/** `attachment` with an ASCII fallback name and the exact name in RFC 5987 form. */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Passes the file through once its type is decided from the first SNIFF_BYTES bytes, and fails
 * the stream the moment it grows past the limit.
 */
class UploadGate extends Transform {
  contentType: string | null = null;
  private head: Buffer[] = [];
  private headBytes = 0;
  private size = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly filename: string,
    private readonly declared: string | null,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new HttpRefusal(413, 'PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${this.maxBytes} bytes.`));
      return;
    }
    if (this.contentType) {
      callback(null, chunk);
      return;
    }
    this.head.push(chunk);
    this.headBytes += chunk.length;
    callback(this.headBytes >= SNIFF_BYTES ? this.decide(false) : null);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.contentType ? null : this.decide(true));
  }

  private decide(complete: boolean): Error | null {
    const head = Buffer.concat(this.head, this.headBytes);
    this.contentType = decideContentType(head.subarray(0, SNIFF_BYTES), this.filename, this.declared, complete);
    if (!this.contentType) {
      return new HttpRefusal(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'This type of file is not accepted: PDF, PNG, JPEG, GIF, WebP, text, CSV, Word (.doc, .docx), Excel (.xls, .xlsx) and OpenDocument (.odt, .ods) are.',
      );
    }
    this.head = [];
    this.push(head);
    return null;
  }
}

/** Bytes stored, waiting for the form to finish before their metadata row is written. */
type StoredUpload = UploadedDocument;

/** Status and code for a user error from resolving `recordId`. */
function refusalOf(error: UserErrors): HttpRefusal {
  const first = error.errors[0]!;
  // A merged customer's id: 409 with MERGED, the message naming the customer it went into.
  const status = first.code === 'NOT_FOUND' ? 404 : first.code === 'INVALID_STATE' || first.code === 'MERGED' ? 409 : 400;
  const code = first.code === 'NOT_FOUND' || first.code === 'INVALID_STATE' || first.code === 'MERGED' ? first.code : 'BAD_USER_INPUT';
  return new HttpRefusal(status, code, first.message);
}

export function documentsRouter(options: { config: Config; database: Database; authentication: HttpAuthentication }): Router {
  const { config, database, authentication } = options;
  const router = Router();

  // Uploads: as deleteDocument, those who keep a customer's details (the same token, codes and messages as /graphql).
  router.post('/documents', authentication.requireViewer({ roles: fieldWorkers }), async (req, res) => {
    const ctx: Context = contextOf(res);
    try {
      if (!/^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')) {
        throw new HttpRefusal(400, 'BAD_REQUEST', 'Send multipart/form-data with a `recordId` field and then one `file`.');
      }
      const length = Number(req.headers['content-length']);
      if (Number.isFinite(length) && length > config.documentMaxBytes + MULTIPART_OVERHEAD) {
        res.set('connection', 'close');
        throw new HttpRefusal(413, 'PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${config.documentMaxBytes} bytes.`);
      }
    } catch (error) {
      if (error instanceof HttpRefusal) {
        releaseBody(req, res);
        return refuse(res, error.status, error.code, error.message);
      }
      throw error;
    }

    const actor = actorOf(ctx);
    const store = documentStore(config, database.db);

    // Stores the bytes; the metadata row is written only once the whole form has arrived intact.
    const receive = async (file: FormFile): Promise<StoredUpload> => {
      const filename = cleanFilename(file.filename);
      let attachment: Attachment;
      try {
        const recordId = file.fields.recordId;
        if (!recordId) throw new HttpRefusal(400, 'BAD_USER_INPUT', 'recordId: send the `recordId` field before the file.');
        attachment = await resolveAttachment(database.db, actor, recordId, ['recordId']);
      } catch (error) {
        file.stream.destroy();
        throw error instanceof UserErrors ? refusalOf(error) : error;
      }
      const gate = new UploadGate(config.documentMaxBytes, filename, file.mimeType ?? null);
      // The gate's refusal (size, type) or the form's failure ends the store's write; the rest of the
      // file is dropped by receiveForm.
      pipeline(file.stream, gate, () => undefined);
      const storageKey = `${actor.organisationId}/${randomUUID()}`;
      try {
        const stored = await store.put(storageKey, gate);
        return { attachment, filename, contentType: gate.contentType!, sizeBytes: stored.size, sha256: stored.sha256, storageKey };
      } catch (error) {
        await store.delete(storageKey);
        throw error;
      }
    };

    const form = await receiveForm(req, res, {
      fileField: 'file',
      maxFileBytes: config.documentMaxBytes,
      limits: { fields: 10, fieldSize: 4096, parts: 20 },
      onFile: receive,
    });
    const stored = form.file?.status === 'fulfilled' ? form.file.value : null;
    try {
      if (form.broken) {
        if (stored) await store.delete(stored.storageKey);
        return refuse(res, form.broken.status, form.broken.code, form.broken.message);
      }
      if (!form.file) return refuse(res, 400, 'BAD_USER_INPUT', 'file: the form has no `file` part.');
      if (form.file.status === 'rejected') throw form.file.reason;
      let document: DocumentRow;
      try {
        document = await recordUpload(database.db, actor, stored!);
      } catch (error) {
        await store.delete(stored!.storageKey);
        throw error;
      }
      res.status(201).json({
        document: {
          id: toGlobalId('Document', document.id),
          filename: document.filename,
          contentType: document.contentType,
          sizeBytes: document.sizeBytes,
          sha256: document.sha256,
          downloadUrl: downloadUrl(document.id),
        },
      });
    } catch (error) {
      if (error instanceof HttpRefusal) return refuse(res, error.status, error.code, error.message);
      ctx.log.error({ err: error }, 'document upload failed');
      refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  });

  // Downloads: any user who sees the record (portal tokens do not see documents).
  router.get('/documents/:id', authentication.requireViewer({ roles: everyone }), async (req, res) => {
    const ctx: Context = contextOf(res);
    const parsed = parseGlobalId(String(req.params.id));
    const row = parsed?.type === 'Document' ? await ctx.loaders.byId('Document').load(parsed.id) : null;
    // Not visible, deleted, or never existed: the same answer.
    if (!isDownloadable(row)) return refuse(res, 404, 'NOT_FOUND', 'No document with this ID.');
    res.set({
      'content-type': row.contentType,
      'content-length': String(row.sizeBytes),
      'content-disposition': contentDisposition(row.filename),
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
      etag: `"${row.sha256}"`,
    });
    const source = documentStore(config, database.db).get(row.storageKey);
    source.on('error', (error) => {
      ctx.log.error({ err: error, documentId: row.id }, 'document download failed');
      if (res.headersSent) return res.destroy();
      for (const name of ['content-type', 'content-length', 'content-disposition', 'etag']) res.removeHeader(name);
      refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    });
    res.on('close', () => source.destroy());
    source.pipe(res);
  });

  return router;
}

/** Where a document's bytes are fetched, relative to the API's origin. */
export function downloadUrl(documentId: string): string {
  return `/documents/${toGlobalId('Document', documentId)}`;
}
