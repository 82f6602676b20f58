// Where documents' bytes live, behind one interface: PostgreSQL (`document_blobs`, chunked) or a
// folder on disk, chosen by DOCUMENT_STORAGE. Both take a stream, never a whole file in memory,
// and hash it as it passes, so the SHA-256 on record is of the bytes actually stored.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { and, asc, eq, gte, sql } from 'drizzle-orm';
import type { Config } from '../config';
import { selectRows, type Db } from '../db/client';
import { documentBlobs } from './tables';

export type StoredBytes = { size: number; sha256: string };

export interface DocumentStore {
  readonly kind: 'database' | 'folder';
  /** Stores the stream under `key`; on any error, whatever was written may remain (call `delete`). */
  put(key: string, stream: Readable): Promise<StoredBytes>;
  /** The bytes under `key`, streamed. */
  get(key: string): Readable;
  /** Removes the bytes under `key`; a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** `<organisationId>/<uuid>`: nothing a client chose, so safe as a path below the folder. */
const keyPattern = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function organisationOf(key: string): string {
  const match = keyPattern.exec(key);
  if (!match) throw new Error(`not a document storage key: ${JSON.stringify(key)}`);
  return match[1]!;
}

export const CHUNK_BYTES = 256 * 1024;

/** Bytes in PostgreSQL, one row per 256 KiB chunk. */
export class DatabaseStore implements DocumentStore {
  readonly kind = 'database' as const;

  constructor(private readonly db: Db) {}

  /**
   * Each chunk is its own insert, not one transaction for the whole upload: a slow client must not
   * hold a transaction (on the embedded database, every other request) open. A document only
   * exists once its metadata row is written, after the last chunk; a failed upload's chunks are
   * removed by the caller with `delete`.
   */
  async put(key: string, stream: Readable): Promise<StoredBytes> {
    const organisationId = organisationOf(key);
    const hash = createHash('sha256');
    let size = 0;
    let seq = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (all: boolean) => {
      while (pendingBytes >= CHUNK_BYTES || (all && pendingBytes > 0)) {
        const joined = Buffer.concat(pending, pendingBytes);
        const data = joined.subarray(0, Math.min(CHUNK_BYTES, joined.length));
        const rest = joined.subarray(data.length);
        await this.db.insert(documentBlobs).values({ organisationId, storageKey: key, seq, data: Buffer.from(data) });
        seq += 1;
        pending = rest.length ? [rest] : [];
        pendingBytes = rest.length;
      }
    };
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      hash.update(buffer);
      size += buffer.length;
      pending.push(buffer);
      pendingBytes += buffer.length;
      await flush(false);
    }
    await flush(true);
    return { size, sha256: hash.digest('hex') };
  }

  get(key: string): Readable {
    const db = this.db;
    // A few chunks per query: memory stays at about 1 MiB whatever the file's size.
    async function* chunks() {
      let next = 0;
      for (;;) {
        const rows = await db
          .select({ seq: documentBlobs.seq, data: documentBlobs.data })
          .from(documentBlobs)
          .where(and(eq(documentBlobs.storageKey, key), gte(documentBlobs.seq, next)))
          .orderBy(asc(documentBlobs.seq))
          .limit(4);
        for (const row of rows) yield row.data;
        if (rows.length < 4) return;
        next = rows[rows.length - 1]!.seq + 1;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async delete(key: string): Promise<void> {
    await this.db.delete(documentBlobs).where(eq(documentBlobs.storageKey, key));
  }

  /**
   * Copies stored files to new keys of one organisation in one statement, the bytes never leaving
   * PostgreSQL (a lead's documents when it converts: streaming each through the server cost two
   * statements per file). Answers the bytes copied under each new key (absent: nothing was stored).
   */
  async copyAll(pairs: ReadonlyArray<{ from: string; to: string }>): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    if (pairs.length === 0) return sizes;
    const organisations = new Set(pairs.map((p) => organisationOf(p.to)));
    for (const p of pairs) organisationOf(p.from);
    if (organisations.size !== 1) throw new Error('copyAll: the new keys belong to more than one organisation');
    // Keys are checked above (`<uuid>/<uuid>`), so the array literals cannot be malformed.
    const literal = (keys: string[]) => `{${keys.join(',')}}`;
    const rows = await selectRows<{ key: string; size: number | string }>(
      this.db,
      sql`insert into ${documentBlobs} (organisation_id, storage_key, seq, data)
        select ${[...organisations][0]!}::uuid, m.to_key, b.seq, b.data
        from ${documentBlobs} b join unnest(${literal(pairs.map((p) => p.from))}::text[], ${literal(pairs.map((p) => p.to))}::text[]) as m(from_key, to_key)
          on b.storage_key = m.from_key
        returning storage_key as key, octet_length(data) as size`,
    );
    for (const row of rows) sizes.set(row.key, (sizes.get(row.key) ?? 0) + Number(row.size));
    return sizes;
  }
}

/** Bytes as files under a folder: `<dir>/<organisationId>/<uuid>`. */
export class FolderStore implements DocumentStore {
  readonly kind = 'folder' as const;

  constructor(private readonly dir: string) {}

  private pathOf(key: string): string {
    organisationOf(key);
    return path.join(this.dir, key);
  }

  /** Written to `<file>.part` and renamed when complete, so a half-written file is never served. */
  async put(key: string, stream: Readable): Promise<StoredBytes> {
    const file = this.pathOf(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const hash = createHash('sha256');
    let size = 0;
    const part = `${file}.part`;
    try {
      await pipeline(
        stream,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        fs.createWriteStream(part, { flags: 'wx' }),
      );
      await fs.promises.rename(part, file);
    } catch (error) {
      await fs.promises.rm(part, { force: true });
      throw error;
    }
    return { size, sha256: hash.digest('hex') };
  }

  get(key: string): Readable {
    return fs.createReadStream(this.pathOf(key));
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await fs.promises.rm(file, { force: true });
    await fs.promises.rm(`${file}.part`, { force: true });
  }
}

/** The store the configuration names; `db` may be a transaction (the database store then writes in it). */
export function documentStore(config: Pick<Config, 'documentStorage' | 'documentDir'>, db: Db): DocumentStore {
  return config.documentStorage === 'folder' ? new FolderStore(config.documentDir) : new DatabaseStore(db);
}

/**
 * The store a dry run copies documents through (src/graph/previews.ts): it reads the bytes it is
 * given, as a real copy does (a file missing from the store fails the preview as it would fail the
 * conversion), and answers their size and hash, but keeps none of them — neither in a folder, which
 * no rollback reaches, nor in the database, where they would only be written to be rolled back.
 */
export function previewStore(store: DocumentStore): DocumentStore {
  return {
    kind: store.kind,
    async put(_key, stream) {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of stream) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        hash.update(buffer);
        size += buffer.length;
      }
      return { size, sha256: hash.digest('hex') };
    },
    get: (key) => store.get(key),
    delete: async () => {},
  };
}

/**
 * Files a transaction copies into a folder store: unlike the database store's chunks they do not
 * roll back with it. Each run of the transaction (a retry after a deadlock is another run) begins
 * its own list; once the transaction is over, the copies of every run that did not commit are
 * removed, so a failed or retried conversion leaves no file that no row points to. With the database
 * store there is nothing to do: its bytes were written in the transaction itself.
 */
export async function withFileCopies<T>(store: DocumentStore, run: (beginAttempt: () => string[]) => Promise<T>): Promise<T> {
  const attempts: string[][] = [];
  const beginAttempt = () => {
    const keys: string[] = [];
    attempts.push(keys);
    return keys;
  };
  const remove = async (stale: string[][]) => {
    if (store.kind === 'database') return;
    for (const key of stale.flat()) await store.delete(key);
  };
  let result: T;
  try {
    result = await run(beginAttempt);
  } catch (error) {
    await remove(attempts);
    throw error;
  }
  await remove(attempts.slice(0, -1));
  return result;
}

/**
 * The files of documents removed with their record (a customer deleted or anonymised): with the
 * database store their bytes go in the transaction (a rollback keeps them); a folder cannot take
 * part in one, so its files go after the commit (at worst an orphaned file, never a kept document
 * without its bytes), as deleteDocument does. Documents deleted earlier have no bytes left.
 */
export async function removeStoredFiles(
  config: Pick<Config, 'documentStorage' | 'documentDir'>,
  tx: Db,
  rows: ReadonlyArray<{ storageKey: string; deletedAt: Date | null }>,
): Promise<() => Promise<void>> {
  const keys = rows.filter((d) => d.deletedAt === null).map((d) => d.storageKey);
  const store = documentStore(config, tx);
  if (store.kind === 'database') {
    for (const key of keys) await store.delete(key);
    return async () => {};
  }
  return async () => {
    for (const key of keys) await store.delete(key);
  };
}
