// Documents (docs/domain.md#documents): what they are attached to, writing the metadata once the bytes
// are stored, and deletion. The HTTP side (src/documents/http.ts) streams the bytes; this module keeps
// the rules: which record a document may go on (one the uploader sees), that a converted lead is
// read-only, and that every change is audited in the transaction that makes it.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { assets } from '../assets/tables';
import { recordAudit, type Actor } from '../audit/service';
import type { Config } from '../config';
import type { Db } from '../db/client';
import { refuseStaleVersion } from '../db/versioned';
import type { DeleteDocumentInput } from '../generated/graphql';
import { inputId, notFound, userError } from '../graph/user-errors';
import { leads } from '../leads/tables';
import { customerAnonymisedAt, refuseAnonymised, visibleCustomerId } from '../records/owner';
import { workAddresses } from '../work-addresses/tables';
import { documentStore } from './store';
import { documents, type DocumentRow } from './tables';

/** The columns that say what a document is attached to. */
export type Attachment = Pick<DocumentRow, 'customerId' | 'leadId' | 'workAddressId' | 'assetId'>;

/** What a record's global ID attaches to, among the records the actor may see; a user error otherwise. */
export async function resolveAttachment(db: Db, actor: Actor, globalId: string, field: string[]): Promise<Attachment> {
  const parsed = inputId(globalId, ['Lead', 'Customer', 'WorkAddress', 'Asset'] as const, field);
  const none = { customerId: null, leadId: null, workAddressId: null, assetId: null };
  const org = actor.organisationId;
  switch (parsed.type) {
    case 'Customer': {
      return { ...none, customerId: await visibleCustomerId(db, actor, globalId, field) };
    }
    case 'Lead': {
      const [row] = await db
        .select({ id: leads.id, status: leads.status })
        .from(leads)
        .where(and(eq(leads.id, parsed.id), eq(leads.organisationId, org), actor.visibility?.record('lead')));
      if (!row) throw notFound(field, 'lead');
      if (row.status === 'CONVERTED') {
        throw userError(field, 'This lead has been converted and is read-only; attach the document to the customer it became.', 'INVALID_STATE');
      }
      return { ...none, leadId: row.id };
    }
    case 'WorkAddress': {
      const [row] = await db
        .select({ id: workAddresses.id, customerId: workAddresses.customerId, anonymisedAt: customerAnonymisedAt(workAddresses.customerId) })
        .from(workAddresses)
        .where(and(eq(workAddresses.id, parsed.id), eq(workAddresses.organisationId, org), actor.visibility?.rows(workAddresses)));
      if (!row) throw notFound(field, 'work address');
      refuseAnonymised(row.anonymisedAt, field);
      return { ...none, customerId: row.customerId, workAddressId: row.id };
    }
    case 'Asset': {
      const [row] = await db
        .select({ id: assets.id, customerId: assets.customerId, workAddressId: assets.workAddressId, anonymisedAt: customerAnonymisedAt(assets.customerId) })
        .from(assets)
        .where(and(eq(assets.id, parsed.id), eq(assets.organisationId, org), actor.visibility?.rows(assets)));
      if (!row) throw notFound(field, 'asset');
      refuseAnonymised(row.anonymisedAt, field);
      return { ...none, customerId: row.customerId, workAddressId: row.workAddressId, assetId: row.id };
    }
  }
}

export type UploadedDocument = {
  attachment: Attachment;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
};

/** The metadata row of a document whose bytes are already stored, with its audit entry: one transaction. */
export async function recordUpload(db: Db, actor: Actor, upload: UploadedDocument): Promise<DocumentRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(documents)
      .values({
        organisationId: actor.organisationId,
        ...upload.attachment,
        filename: upload.filename,
        contentType: upload.contentType,
        sizeBytes: upload.sizeBytes,
        sha256: upload.sha256,
        storageKey: upload.storageKey,
        uploadedBy: actor.userId,
      })
      .returning();
    await recordAudit(tx, actor, { action: 'document.upload', entityType: 'Document', entityId: row!.id, after: row });
    return row!;
  });
}

/**
 * Marks a document deleted and removes its bytes. With the database store the bytes go in the same
 * transaction as the row's change and its audit entry; a folder cannot take part in a transaction,
 * so the file is removed after the commit (at worst an orphaned file, never a live row without bytes).
 */
export async function deleteDocument(db: Db, config: Config, actor: Actor, input: DeleteDocumentInput): Promise<{ document: DocumentRow }> {
  const { id } = inputId(input.id, ['Document'], ['input', 'id']);
  const result = await db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(documents)
      .where(and(eq(documents.id, id), eq(documents.organisationId, actor.organisationId), isNull(documents.deletedAt), actor.visibility?.rows(documents)))
      .for('update');
    if (!before) throw notFound(['input', 'id'], 'document');
    refuseStaleVersion(before, input.expectedVersion, 'document');
    const [after] = await tx
      .update(documents)
      .set({ deletedAt: new Date(), version: sql`${documents.version} + 1` })
      .where(eq(documents.id, before.id))
      .returning();
    await recordAudit(tx, actor, { action: 'document.delete', entityType: 'Document', entityId: before.id, before, after });
    const store = documentStore(config, tx);
    if (store.kind === 'database') await store.delete(before.storageKey);
    return { document: after!, store };
  });
  if (result.store.kind !== 'database') await result.store.delete(result.document.storageKey);
  return { document: result.document };
}

/** A live document the viewer may see (rows by id go through visibility), for downloading. */
export function isDownloadable(row: DocumentRow | null): row is DocumentRow {
  return row !== null && row.deletedAt === null;
}
