// Admission: at most MAX_CONCURRENT_REQUESTS GraphQL requests execute at once in this process; the
// others wait for a turn, first come first served. Node runs one thing at a time, so fifty requests
// executed together do not finish sooner than fifty taken in turns: they interleave, each holding
// its memory (rows, results) until the slowest part of all of them is done, so every one of them
// takes about as long as the whole batch and the garbage collector works harder. In turns, a request
// waits, then runs at full speed: the same throughput or better, and latencies that stay near the
// mean instead of a long tail.
//
// A turn ends when the request's handler settles, its response is over (sent, or the client gone),
// or REQUEST_TIMEOUT_MS has passed: a handler stuck on something that never answers gives its turn
// up rather than stop the server.
//
// A request that waits:
// - is dropped from the queue if its client goes away (nothing was done, nothing is answered);
// - is refused with 503 SERVER_BUSY (Retry-After) if REQUEST_TIMEOUT_MS passes before its turn;
// - is refused at once with 503 SERVER_BUSY if MAX_QUEUED_REQUESTS are already waiting, or if the
//   bodies of those waiting would then hold more than MAX_QUEUED_BODY_BYTES (a flood is shed instead
//   of held in memory: a waiting request keeps its parsed body).
//
// Requests are admitted after their body is read (up to 1 MB): a client that sends its body slowly
// must not hold a turn while it does.
import type { Response } from 'express';
import type { Config } from '../config';

export type Admission = {
  /**
   * Runs `handle` (which answers `res`) now if a turn is free, or when one is; a request refused
   * or abandoned while waiting never runs. Call inside the request's scope (runStoppable), with its
   * signal, so that a queued request resumes in its own context.
   */
  admit(res: Response, signal: AbortSignal, handle: () => unknown): Promise<unknown> | unknown;
  /** Requests executing now. */
  readonly running: number;
  /** Requests waiting for a turn. */
  readonly queued: number;
  /** The bytes of the waiting requests' bodies. */
  readonly queuedBytes: number;
};

type Waiter = { start(): void };

/** The answer to a request refused a turn: GraphQL-shaped, as every other refusal of /graphql. */
function refuseBusy(res: Response, message: string): void {
  if (res.headersSent || res.writableEnded) return;
  res.status(503).setHeader('retry-after', '1');
  res.json({ errors: [{ message, extensions: { code: 'SERVER_BUSY' } }] });
}

/**
 * The bytes of the request's body: its Content-Length, or, for a body sent in chunks (no length),
 * the largest a body may be (1 MB, the JSON parser's limit).
 */
function bodyBytes(res: Response): number {
  const headers = res.req?.headers ?? {};
  const length = Number(headers['content-length']);
  if (Number.isFinite(length) && length >= 0) return length;
  return headers['transfer-encoding'] ? MAX_BODY_BYTES : 0;
}

/** The JSON body parser's limit on /graphql (src/http/app.ts). */
export const MAX_BODY_BYTES = 1_048_576;

export function createAdmission(config: Pick<Config, 'maxConcurrentRequests' | 'maxQueuedRequests' | 'maxQueuedBodyBytes' | 'requestTimeoutMs'>): Admission {
  const { maxConcurrentRequests, maxQueuedRequests, maxQueuedBodyBytes, requestTimeoutMs } = config;
  let running = 0;
  /** The bodies the waiting requests hold. */
  let queuedBytes = 0;
  // A FIFO of waiters; a cancelled waiter is removed where it stands (the queue is short).
  const queue: Waiter[] = [];

  // A turn that ends goes straight to the first waiter (`running` unchanged), so that a request
  // arriving meanwhile cannot take it.
  const release = () => {
    const next = queue.shift();
    if (next) next.start();
    else running -= 1;
  };

  /**
   * Runs `handle` in a turn already counted in `running`. The turn ends when the handler settles, or
   * when the response is over (sent, or the client gone), or after REQUEST_TIMEOUT_MS, whichever
   * comes first: a handler that never settles (something awaited that never answers) must not keep
   * a turn, or a few of them would stop the server.
   */
  const run = (res: Response, handle: () => unknown): Promise<unknown> | unknown => {
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    const end = () => {
      if (ended) return;
      ended = true;
      if (timer) clearTimeout(timer);
      res.removeListener('close', end);
      release();
    };
    res.once('close', end);
    if (requestTimeoutMs > 0) {
      timer = setTimeout(end, requestTimeoutMs);
      timer.unref();
    }
    let result: unknown;
    try {
      result = handle();
    } catch (error) {
      end();
      throw error;
    }
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<unknown>).then(
        (value) => {
          end();
          return value;
        },
        (error: unknown) => {
          end();
          throw error;
        },
      );
    }
    end();
    return result;
  };

  const wait = (res: Response, signal: AbortSignal, bytes: number): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      queuedBytes += bytes;
      let left = false;
      // Once, however it leaves: its turn came (release() has already taken it off the queue), its
      // client went away, or it waited too long.
      const leave = () => {
        if (left) return;
        left = true;
        queuedBytes -= bytes;
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        start() {
          leave();
          resolve(true);
        },
      };
      const onAbort = () => {
        leave();
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (requestTimeoutMs > 0) {
        timer = setTimeout(() => {
          leave();
          refuseBusy(res, `The server is busy: the request waited ${requestTimeoutMs} ms for a turn and was not run. Try again shortly.`);
          resolve(false);
        }, requestTimeoutMs);
        timer.unref();
      }
      queue.push(waiter);
    });

  return {
    admit(res, signal, handle) {
      if (running < maxConcurrentRequests && queue.length === 0) {
        running += 1;
        return run(res, handle);
      }
      if (queue.length >= maxQueuedRequests) {
        refuseBusy(res, `The server is busy: ${queue.length} requests are already waiting. Try again shortly.`);
        return undefined;
      }
      const bytes = bodyBytes(res);
      if (queuedBytes + bytes > maxQueuedBodyBytes) {
        refuseBusy(res, `The server is busy: the requests already waiting hold ${queuedBytes} bytes of request bodies. Try again shortly.`);
        return undefined;
      }
      if (signal.aborted) return undefined;
      // Awaited here, in the request's own async context: it resumes in its scope, not in that of
      // the request whose end started it.
      return wait(res, signal, bytes).then((admitted) => (admitted ? run(res, handle) : undefined));
    },
    get running() {
      return running;
    },
    get queued() {
      return queue.length;
    },
    get queuedBytes() {
      return queuedBytes;
    },
  };
}
