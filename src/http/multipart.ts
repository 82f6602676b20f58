// multipart/form-data for the upload routes (POST /documents, POST /imports/…): busboy, with every
// stream it makes handled from the moment it exists. A stream's 'error' with no listener ends the
// process (busboy's "Unexpected end of form" did, for a body cut before its closing boundary), and a
// listener attached after an `await` is too late, so the routes never touch busboy's streams: they
// get the one accepted file as a stream of their own, which carries the form's failure as its error
// whenever they start reading it, and whatever they do with it (read it, refuse it, never look at it)
// the rest of the body is read and dropped, so busboy finishes and a keep-alive connection is free
// for the next request.
import { PassThrough, type Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request, Response } from 'express';

/** A refusal of an HTTP request: its status and stable code, answered as `{ errors: [...] }`. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Bodies up to this size are read and dropped after a refusal; beyond it (or of unknown size) the connection is closed instead. */
const DRAIN_LIMIT = 1024 * 1024;

/**
 * After answering a request whose body was not (all) read: drop the rest, so a keep-alive client's
 * next request is not stuck behind it; a large or unbounded rest closes the connection once the
 * answer is out rather than reading it all.
 */
export function releaseBody(req: Request, res: Response): void {
  if (req.complete || req.readableEnded) return;
  const declared = Number(req.headers['content-length']);
  if (!(Number.isFinite(declared) && declared <= DRAIN_LIMIT) && !res.headersSent) res.setHeader('connection', 'close');
  req.resume();
}

/** The accepted file, as the route reads it. */
export type FormFile = {
  /** The bytes. Fails with an HttpRefusal when the form breaks off or the file is too large; destroy it to refuse the file. */
  stream: Readable;
  filename: string | undefined;
  mimeType: string | undefined;
  /** The fields that came before the file. */
  fields: Readonly<Record<string, string>>;
  /**
   * Resolves once the whole form has arrived intact (all of it, after the file too); rejects with the
   * form's failure. Work that commits must wait for it: a file read to its end is no proof the body was.
   */
  formComplete: Promise<void>;
};

export type FormOptions<T> = {
  /** busboy's limits on fields and parts; the file's size is `maxFileBytes`. */
  limits: Omit<busboy.Limits, 'fileSize' | 'files'>;
  /** The name of the one file part accepted (the first such part); other file parts are read and dropped. */
  fileField: string;
  /** Beyond this the file stream fails with 413 PAYLOAD_TOO_LARGE. */
  maxFileBytes: number;
  /** Called for the accepted file, in busboy's event (no `await` before it): the route's work on it. */
  onFile: (file: FormFile) => Promise<T>;
};

export type FormOutcome<T> = {
  fields: Record<string, string>;
  /** The form itself failed (cut before its closing boundary, malformed, the client went away): answer this. */
  broken: HttpRefusal | null;
  /** The route's work on the file, settled; null when the form had no file part. */
  file: PromiseSettledResult<T> | null;
};

/** The refusal for one of busboy's errors (its messages are fixed strings). */
function refusalFor(error: unknown): HttpRefusal {
  if (error instanceof HttpRefusal) return error;
  const message = (error as Error | null)?.message ?? String(error);
  if (/^Unexpected end of (form|file)$/.test(message)) {
    return new HttpRefusal(
      400,
      'INCOMPLETE_UPLOAD',
      'The upload ended before the closing boundary of its multipart body: it was cut short. Send the whole body again.',
    );
  }
  return new HttpRefusal(400, 'BAD_REQUEST', `Bad request: the multipart body is malformed (${message}).`);
}

/**
 * Reads a multipart form from `req`; settles once busboy is done with the body and the route's work on
 * the file has settled, never before. Never rejects: a broken form is `broken` in the outcome.
 */
export function receiveForm<T>(req: Request, res: Response, options: FormOptions<T>): Promise<FormOutcome<T>> {
  return new Promise((resolve) => {
    const fields: Record<string, string> = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { ...options.limits, files: 20, fileSize: options.maxFileBytes + 1 } });
    } catch (error) {
      // No boundary, or not multipart at all: nothing was read.
      releaseBody(req, res);
      resolve({ fields, broken: refusalFor(error), file: null });
      return;
    }
    let work: Promise<T> | null = null;
    let broken: HttpRefusal | null = null;
    let formDone!: (error?: HttpRefusal) => void;
    const formComplete = new Promise<void>((resolve, reject) => {
      formDone = (error) => (error ? reject(error) : resolve());
    });
    formComplete.catch(() => undefined);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      void (async () => {
        const file = work ? (await Promise.allSettled([work]))[0]! : null;
        resolve({ fields, broken, file });
      })();
    };
    const fail = (error: unknown) => {
      if (broken) return;
      broken = refusalFor(error);
      req.unpipe(parser);
      releaseBody(req, res);
      // Fails the file being read (if any) with the same refusal, so the route's work ends too.
      parser.destroy(broken);
      formDone(broken);
      finish();
    };

    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, file, info) => {
      // busboy destroys a file with the form's error; reported below, and to the route through `stream`.
      file.on('error', () => undefined);
      if (name !== options.fileField || work) {
        file.resume();
        return;
      }
      const stream = new PassThrough();
      // The route may start reading only after an await: the error stays on the stream for it.
      stream.on('error', () => undefined);
      file.on('error', (error) => stream.destroy(refusalFor(error)));
      file.on('limit', () => stream.destroy(new HttpRefusal(413, 'PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${options.maxFileBytes} bytes.`)));
      // Refused or failed: the rest of the file is read and dropped (destroying busboy's own stream would stall the form).
      stream.on('close', () => {
        if (!file.readableEnded) {
          file.unpipe(stream);
          file.resume();
        }
      });
      file.pipe(stream);
      work = options.onFile({ stream, filename: info.filename, mimeType: info.mimeType, fields: { ...fields }, formComplete });
      work.catch(() => undefined);
    });
    parser.on('error', fail);
    parser.on('close', () => {
      formDone();
      finish();
    });
    // The client went away before the end of the body.
    const interrupted = () => {
      if (!req.complete) fail(new HttpRefusal(400, 'INCOMPLETE_UPLOAD', 'The upload was interrupted: the connection closed before the end of the body.'));
    };
    req.on('error', interrupted);
    req.on('close', interrupted);
    req.pipe(parser);
  });
}
