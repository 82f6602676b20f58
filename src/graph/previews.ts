// Previews (`dryRun: true`, docs/domain.md#previews): a workflow mutation runs its own service code,
// exactly as the real call does, inside a transaction that is rolled back at the end instead of
// committed. So a preview cannot disagree with the real call: it is the real call, undone. What it
// reports is what that run did — the rows it created, copied, moved, updated and deleted, counted by
// the service as it went (`ChangeTally`), and the records as the run left them — or the user errors
// it stopped at (the blockers).
//
// The rollback is an exception (`DryRunRollback`, thrown by `withIdempotency` once the run has
// finished) that carries the run's result out, so every layer that cleans up after a failed
// transaction (copied document files, src/documents/store.ts `withFileCopies`) does so for a preview
// too. Side effects outside the transaction are the service's to avoid when `dryRun` is set (document
// bytes are not written at all: `previewStore`). Everything inside it goes with the rollback: audit
// entries, events (so no webhook delivery or subscription message), counter rows of document numbers
// (src/db/sequences.ts: rows, not sequences, so no number is used up), and the idempotency key, which
// a dry run reads but never writes (src/graph/idempotency.ts). Only the bigserial values its audit
// entries and events drew are not given back, as with any transaction that rolls back: they order
// rows, nobody quotes or counts them.
import type { UserError } from './user-errors';
import { UserErrors } from './user-errors';

/** What a change does to rows of one kind. */
export type PreviewAction = 'CREATE' | 'COPY' | 'MOVE' | 'UPDATE' | 'DELETE';

/** How many rows of one kind a change created, copied, moved, updated or deleted. */
export type PreviewChange = { kind: string; action: PreviewAction; count: number };

/**
 * The rows one run of a change touched, counted by the service from the statements it ran (their
 * RETURNING rows), and whether the run is a dry run. A transaction retried after a deadlock starts
 * again from nothing (`restart`, called by `withIdempotency` at the start of each attempt).
 */
export class ChangeTally {
  private counts = new Map<string, PreviewChange>();

  constructor(readonly dryRun: boolean) {}

  /** Adds `count` rows of `kind` to what `action` did; nothing for 0. */
  add(kind: string, action: PreviewAction, count: number): void {
    if (count <= 0) return;
    const key = `${kind}\u0000${action}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += count;
    else this.counts.set(key, { kind, action, count });
  }

  restart(): void {
    this.counts = new Map();
  }

  /** In the order the run first touched each kind. */
  list(): PreviewChange[] {
    return [...this.counts.values()].map((c) => ({ ...c }));
  }
}

/** Rolls a dry run's transaction back, carrying the run's result past every layer in between. */
export class DryRunRollback extends Error {
  constructor(readonly result: unknown) {
    super('dry run: rolled back');
  }
}

/** A preview's common part: what the run did, or why it would not run. */
export type PreviewBase = { wouldSucceed: boolean; changes: PreviewChange[]; blockers: UserError[] };

/**
 * A mutation's payload for a previewable workflow: `run` is the service call, given the tally it
 * must pass on to `withIdempotency` (which makes the transaction roll back when `dryRun`).
 *
 * A real call answers as `payload` does, with `preview: null`. A dry run answers with every record
 * field null (the records it made were rolled back; nothing could be read from them) and `preview`:
 * `describe(result)` with what the run did, or, when the run stopped at user errors, the same errors
 * as `userErrors` and as the preview's `blockers` — so a client that checks `userErrors` after any
 * mutation reads a blocked preview the way it would read the real call's refusal.
 */
export async function previewablePayload<T extends object, P extends object>(
  dryRun: boolean | null | undefined,
  run: (tally: ChangeTally) => Promise<T>,
  empty: { [K in keyof T]: null },
  describe: (result: T) => P,
  blocked: { [K in keyof P]: null },
): Promise<(T | { [K in keyof T]: null }) & { userErrors: UserError[]; preview: PreviewValue<P> | null }> {
  const tally = new ChangeTally(dryRun === true);
  try {
    const result = await run(tally);
    // A dry run that returns has committed: the service did not pass its tally to withIdempotency.
    if (tally.dryRun) throw new Error('a dry run was committed: its service must pass the tally to withIdempotency');
    return { ...result, userErrors: [], preview: null };
  } catch (error) {
    if (error instanceof DryRunRollback && tally.dryRun) {
      const preview = { ...describe(error.result as T), wouldSucceed: true, changes: tally.list(), blockers: [] };
      return { ...empty, userErrors: [], preview };
    }
    if (error instanceof UserErrors) {
      const preview = tally.dryRun ? { ...blocked, wouldSucceed: false, changes: [], blockers: error.errors } : null;
      return { ...empty, ...(error.answer as object), userErrors: error.errors, preview };
    }
    throw error;
  }
}

/** A preview as its GraphQL type resolves from: the outcome `describe` gave (all null when blocked), and the common part. */
export type PreviewValue<P extends object> = (P | { [K in keyof P]: null }) & PreviewBase;
