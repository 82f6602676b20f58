// Documents over HTTP and GraphQL, run once per store (PostgreSQL chunks, a folder): bytes go up and
// come back identical with the SHA-256 the client computes; visibility follows the record; refused
// uploads (too large, wrong type, not allowed) leave no row and no bytes; deletion removes the bytes
// and is audited; a customer's documents cost the same statements for 2 customers as for 6.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { assets } from '../../src/assets/tables';
import { selectRows } from '../../src/db/client';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { workAddresses } from '../../src/work-addresses/tables';
import { flows, postMultipart } from '../helpers/flows';
import { readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

const MAX_BYTES = 300_000;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const pdf = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(size - 9)]);
const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(500)]);
const zip = () => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(300)]);

const DOCUMENTS = `query($id: ID!) { customer(id: $id) { documents(first: 10) { totalCount nodes {
  id filename contentType sizeBytes sha256 downloadUrl deletedAt uploadedBy { email } customer { id } lead { id } workAddress { id } asset { id }
} } } }`;
const DELETE = `mutation($input: DeleteDocumentInput!) { deleteDocument(input: $input) {
  document { id deletedAt downloadUrl } userErrors { field message code } } }`;

type Part = { recordId?: string; file?: { bytes: Buffer; name: string; type?: string }; fileFirst?: boolean };

describe.each([
  ['database', {} as Record<string, string>],
  ['folder', { DOCUMENT_STORAGE: 'folder' }],
])('documents stored in the %s', (storage, env) => {
  let server: TestServer;
  let org: TestOrganisation;
  let other: TestOrganisation;
  let ref: Reference;
  let base: string;
  let folder: string;
  let customer: string;
  const { createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

  /** multipart/form-data built by hand, so the order of parts is the test's choice. */
  function upload(token: string | null, parts: Part) {
    const file = parts.file ? { ...parts.file, type: parts.file.type ?? 'application/octet-stream' } : null;
    return postMultipart(server, '/documents', parts.recordId === undefined ? {} : { recordId: parts.recordId }, file, { token, fileFirst: parts.fileFirst });
  }

  async function download(token: string, url: string) {
    const response = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  /** Rows and stored bytes, to show that refused uploads leave nothing behind. */
  async function leftovers() {
    const [counts] = await selectRows<{ documents: number; blobs: number }>(
      server.database.db,
      sql`select (select count(*)::int from documents) as documents, (select count(*)::int from document_blobs) as blobs`,
    );
    const files = fs.existsSync(folder)
      ? (fs.readdirSync(folder, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(folder, f)).isFile())
      : [];
    return { documents: counts!.documents, blobs: counts!.blobs, files: files.length };
  }

  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'documents-'));
    server = await startTestServer({ DOCUMENT_MAX_BYTES: String(MAX_BYTES), DOCUMENT_DIR: folder, ...env });
    base = server.url.replace(/\/graphql$/, '');
    org = await createTestOrganisation(server);
    other = await createTestOrganisation(server, 'Other Org');
    ref = await readReference(server, org.adminToken);
    customer = await createCustomer('Documented Ltd', { token: org.adminToken });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('uploads a file in chunks and downloads the identical bytes, with the SHA-256 the client computes', async () => {
    const bytes = pdf(280_000); // more than one 256 KiB chunk
    const res = await upload(org.adminToken, { recordId: customer, file: { bytes, name: 'Service report ✓.pdf', type: 'application/pdf' } });
    expect(res.status).toBe(201);
    expect(res.body.document).toMatchObject({
      filename: 'Service report ✓.pdf',
      contentType: 'application/pdf',
      sizeBytes: bytes.length,
      sha256: sha256(bytes),
    });

    const got = await download(org.adminToken, res.body.document!.downloadUrl);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(bytes)).toBe(true);
    expect(sha256(got.bytes)).toBe(res.body.document!.sha256);
    expect(got.headers.get('content-type')).toBe('application/pdf');
    expect(got.headers.get('content-length')).toBe(String(bytes.length));
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="Service report _.pdf"; filename*=UTF-8''Service%20report%20%E2%9C%93.pdf`);

    if (storage === 'database') {
      const [row] = await selectRows<{ chunks: number }>(server.database.db, sql`select count(*)::int as chunks from document_blobs`);
      expect(row!.chunks).toBe(2);
    } else {
      expect((await leftovers()).files).toBe(1);
    }

    const list = await server.graphql(DOCUMENTS, { id: customer }, org.adminToken);
    expect(list.errors).toBeUndefined();
    expect(list.data!.customer.documents.totalCount).toBe(1);
    expect(list.data!.customer.documents.nodes[0]).toMatchObject({
      id: res.body.document!.id,
      sizeBytes: bytes.length,
      sha256: sha256(bytes),
      downloadUrl: `/documents/${res.body.document!.id}`,
      deletedAt: null,
      uploadedBy: { email: 'admin@acme-services.test' },
      customer: { id: customer },
      lead: null,
    });
    const node = await server.graphql(`query($id: ID!) { node(id: $id) { ... on Document { filename } } }`, { id: res.body.document!.id }, org.adminToken);
    expect(node.data!.node).toEqual({ filename: 'Service report ✓.pdf' });
  });

  it("attaches to a lead, and to a work address or asset as one of its customer's documents, newest first", async () => {
    const lead = await server.graphql(
      `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }`,
      { input: { name: 'Paper Lead' } },
      org.adminToken,
    );
    const leadId = lead.data!.createLead.lead.id;
    const onLead = await upload(org.adminToken, { recordId: leadId, file: { bytes: Buffer.from('Notes,1\n'), name: 'notes.csv' } });
    expect(onLead.status).toBe(201);
    expect(onLead.body.document!.contentType).toBe('text/csv');
    const leadDocs = await server.graphql(
      `query($id: ID!) { lead(id: $id) { documents { totalCount nodes { filename lead { id } customer { id } } } } }`,
      { id: leadId },
      org.adminToken,
    );
    expect(leadDocs.data!.lead.documents).toEqual({ totalCount: 1, nodes: [{ filename: 'notes.csv', lead: { id: leadId }, customer: null }] });

    const owner = await createCustomer('Property Owner', { token: org.adminToken });
    const customerId = parseGlobalId(owner)!.id;
    const [address] = await server.database.db
      .insert(workAddresses)
      .values({ organisationId: org.organisationId, customerId, line1: '2 Mill Lane', country: 'GB' })
      .returning();
    const [asset] = await server.database.db.insert(assets).values({ organisationId: org.organisationId, customerId, workAddressId: address!.id }).returning();
    const atAddress = await upload(org.adminToken, { recordId: toGlobalId('WorkAddress', address!.id), file: { bytes: png(), name: 'photo.png' } });
    const onAsset = await upload(org.adminToken, { recordId: toGlobalId('Asset', asset!.id), file: { bytes: Buffer.from('serial 123'), name: 'plate.txt' } });
    expect([atAddress.status, onAsset.status]).toEqual([201, 201]);
    const docs = await server.graphql(DOCUMENTS, { id: owner }, org.adminToken);
    expect(docs.data!.customer.documents.nodes.map((d: any) => [d.filename, d.workAddress?.id ?? null, d.asset?.id ?? null, d.customer.id])).toEqual([
      ['plate.txt', toGlobalId('WorkAddress', address!.id), toGlobalId('Asset', asset!.id), owner],
      ['photo.png', toGlobalId('WorkAddress', address!.id), null, owner],
    ]);
  });

  it("lets a sales user upload to their own customer, and answers not found for anyone else's, writing nothing", async () => {
    const salesToken = await org.tokenFor('SALES');
    const own = await createCustomer('Sales Own', { token: salesToken });
    expect((await upload(salesToken, { recordId: own, file: { bytes: pdf(100), name: 'quote.pdf' } })).status).toBe(201);

    const before = await leftovers();
    const refused = await upload(salesToken, { recordId: customer, file: { bytes: pdf(100), name: 'sneaky.pdf' } });
    expect(refused.status).toBe(404);
    expect(refused.body.errors![0]!.extensions.code).toBe('NOT_FOUND');
    // Nor may they download, or list, the customer's documents.
    const existing = await server.graphql(DOCUMENTS, { id: customer }, org.adminToken);
    const url = existing.data!.customer.documents.nodes[0].downloadUrl;
    expect((await download(salesToken, url)).status).toBe(404);
    const asSales = await server.graphql(DOCUMENTS, { id: customer }, salesToken);
    expect(asSales.data!.customer).toBeNull();
    expect(await leftovers()).toEqual(before);
  });

  it('refuses uploads by READ_ONLY and FINANCE (403) and without a token (401), but READ_ONLY may download', async () => {
    const before = await leftovers();
    for (const role of ['READ_ONLY', 'FINANCE'] as const) {
      const res = await upload(await org.tokenFor(role), { recordId: customer, file: { bytes: pdf(100), name: 'x.pdf' } });
      expect(res.status).toBe(403);
      expect(res.body.errors![0]!.extensions.code).toBe('FORBIDDEN');
    }
    expect((await upload(null, { recordId: customer, file: { bytes: pdf(100), name: 'x.pdf' } })).status).toBe(401);
    expect(await leftovers()).toEqual(before);
    const existing = await server.graphql(DOCUMENTS, { id: customer }, org.adminToken);
    const got = await download(await org.tokenFor('READ_ONLY'), existing.data!.customer.documents.nodes[0].downloadUrl);
    expect(got.status).toBe(200);
  });

  it('refuses a file over the size limit with 413 and leaves no row, no blob and no file', async () => {
    const before = await leftovers();
    // Just over the limit: refused while streaming, after a first chunk was already stored.
    const streamed = await upload(org.adminToken, { recordId: customer, file: { bytes: pdf(MAX_BYTES + 1), name: 'big.pdf' } });
    expect(streamed.status).toBe(413);
    expect(streamed.body.errors![0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    // Far over: refused from Content-Length before reading the body.
    const declared = await upload(org.adminToken, { recordId: customer, file: { bytes: pdf(MAX_BYTES * 2), name: 'huge.pdf' } });
    expect(declared.status).toBe(413);
    expect(await leftovers()).toEqual(before);
  });

  it('cleans up after a client that hangs up half way through an upload', async () => {
    const before = await leftovers();
    const boundary = 'x-boundary-x';
    const head = `--${boundary}\r\ncontent-disposition: form-data; name="recordId"\r\n\r\n${customer}\r\n--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="cut.pdf"\r\ncontent-type: application/pdf\r\n\r\n`;
    const target = new URL(`${base}/documents`);
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: target.hostname,
        port: target.port,
        path: '/documents',
        method: 'POST',
        headers: {
          authorization: `Bearer ${org.adminToken}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(MAX_BYTES),
        },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(head);
      // More than one chunk's worth, then the client is gone.
      req.write(pdf(270_000), () => setTimeout(() => req.destroy(), 100));
    });
    // The server may reach the aborted request only after the client has gone (a loaded machine):
    // wait until nothing is left behind for a good while, not just for one look.
    let now = await leftovers();
    for (let i = 0, settled = 0; i < 200 && settled < 20; i++) {
      await new Promise((r) => setTimeout(r, 50));
      now = await leftovers();
      settled = JSON.stringify(now) === JSON.stringify(before) ? settled + 1 : 0;
    }
    expect(now).toEqual(before);
    // The server is still answering.
    expect((await upload(org.adminToken, { recordId: customer, file: { bytes: pdf(100), name: 'after.pdf' } })).status).toBe(201);
  });

  it('refuses types off the allow-list with 415, deciding by the bytes where they tell', async () => {
    const before = await leftovers();
    const cases: Array<[Buffer, string, string]> = [
      [Buffer.concat([Buffer.from('MZ'), randomBytes(200)]), 'setup.exe', 'application/octet-stream'],
      [zip(), 'archive.zip', 'application/zip'],
      [zip(), 'letter.txt', 'text/plain'], // a ZIP is not text, whatever its name
      [Buffer.from('plain words'), 'report.pdf', 'application/pdf'], // no PDF signature
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image.svg', 'image/svg+xml'],
    ];
    for (const [bytes, name, type] of cases) {
      const res = await upload(org.adminToken, { recordId: customer, file: { bytes, name, type } });
      expect([name, res.status, res.body.errors?.[0]?.extensions?.code]).toEqual([name, 415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
    expect(await leftovers()).toEqual(before);

    // Allowed: a PNG's signature decides its type whatever it is called; a ZIP container named .docx is Word.
    const renamed = await upload(org.adminToken, { recordId: customer, file: { bytes: png(), name: 'scan.pdf', type: 'application/pdf' } });
    expect(renamed.body.document?.contentType).toBe('image/png');
    const docx = await upload(org.adminToken, { recordId: customer, file: { bytes: zip(), name: 'letter.docx' } });
    expect(docx.body.document?.contentType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
  });

  it('answers 400 for a bad or missing recordId, or a file before its recordId, and 404 for another organisation', async () => {
    const before = await leftovers();
    const file = { bytes: pdf(100), name: 'x.pdf' };
    const badId = await upload(org.adminToken, { recordId: 'nonsense', file });
    expect([badId.status, badId.body.errors![0]!.extensions.code]).toEqual([400, 'BAD_USER_INPUT']);
    expect((await upload(org.adminToken, { file })).status).toBe(400);
    expect((await upload(org.adminToken, { recordId: customer, file, fileFirst: true })).status).toBe(400);
    expect((await upload(org.adminToken, { recordId: customer })).status).toBe(400);

    const otherRef = await readReference(server, other.adminToken);
    const theirs = await createCustomer('Their Customer', { token: other.adminToken, ref: otherRef });
    expect((await upload(org.adminToken, { recordId: theirs, file })).status).toBe(404);
    expect(await leftovers()).toEqual(before);

    // Their document: not found for us, by download and by node().
    const uploaded = await upload(other.adminToken, { recordId: theirs, file });
    expect(uploaded.status).toBe(201);
    expect((await download(org.adminToken, uploaded.body.document!.downloadUrl)).status).toBe(404);
    expect((await download(other.adminToken, uploaded.body.document!.downloadUrl)).status).toBe(200);
    const node = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: uploaded.body.document!.id }, org.adminToken);
    expect(node.data).toEqual({ node: null });
    expect((await download(org.adminToken, '/documents/not-an-id')).status).toBe(404);
  });

  describe('deleteDocument', () => {
    async function fresh() {
      const res = await upload(org.adminToken, { recordId: customer, file: { bytes: pdf(1000), name: 'to-delete.pdf' } });
      expect(res.status).toBe(201);
      return res.body.document as { id: string; downloadUrl: string };
    }

    it('removes the bytes, keeps the metadata with deletedAt, and is audited with the upload', async () => {
      const document = await fresh();
      const before = await leftovers();
      const res = await server.graphql(DELETE, { input: { id: document.id } }, org.adminToken);
      expect(res.data!.deleteDocument.userErrors).toEqual([]);
      expect(res.data!.deleteDocument.document).toMatchObject({ id: document.id, downloadUrl: null });
      expect(res.data!.deleteDocument.document.deletedAt).toEqual(expect.any(String));
      expect(await leftovers()).toEqual(storage === 'database' ? { ...before, blobs: before.blobs - 1 } : { ...before, files: before.files - 1 });
      expect((await download(org.adminToken, document.downloadUrl)).status).toBe(404);
      const list = await server.graphql(DOCUMENTS, { id: customer }, org.adminToken);
      expect(list.data!.customer.documents.nodes.map((d: any) => d.id)).not.toContain(document.id);

      const trail = await server.graphql(
        `query($id: ID!) { customer(id: $id) { auditTrail(first: 5) { nodes { action entityType entityId } } } }`,
        { id: customer },
        org.adminToken,
      );
      const entries = trail.data!.customer.auditTrail.nodes.filter((e: any) => e.entityId === document.id);
      expect(entries.map((e: any) => [e.action, e.entityType])).toEqual([
        ['document.delete', 'Document'],
        ['document.upload', 'Document'],
      ]);
      // Deleting again: it is gone.
      const again = await server.graphql(DELETE, { input: { id: document.id } }, org.adminToken);
      expect(errorCodes(again.data!.deleteDocument.userErrors)).toEqual(['input.id:NOT_FOUND']);
    });

    it('names the field for a malformed id, and answers NOT_FOUND to a sales user who does not see the record', async () => {
      const document = await fresh();
      const before = await leftovers();
      const bad = await server.graphql(DELETE, { input: { id: customer } }, org.adminToken);
      expect(errorCodes(bad.data!.deleteDocument.userErrors)).toEqual(['input.id:INVALID']);
      const sales = await server.graphql(DELETE, { input: { id: document.id } }, await org.tokenFor('SALES'));
      expect(sales.data!.deleteDocument).toEqual({ document: null, userErrors: [expect.objectContaining({ field: ['input', 'id'], code: 'NOT_FOUND' })] });
      expect(await leftovers()).toEqual(before);
      expect((await download(org.adminToken, document.downloadUrl)).status).toBe(200);
    });

    it('is FORBIDDEN to READ_ONLY', async () => {
      const document = await fresh();
      const res = await server.graphql(DELETE, { input: { id: document.id } }, await org.tokenFor('READ_ONLY'));
      expect(res.errors![0]!.extensions!.code).toBe('FORBIDDEN');
      expect((await download(org.adminToken, document.downloadUrl)).status).toBe(200);
    });
  });

  it('lists documents for 2 and for 6 customers in the same number of statements', async () => {
    const counted = await createTestOrganisation(server, `Counted ${storage}`);
    const countedRef = await readReference(server, counted.adminToken);
    for (let i = 0; i < 6; i++) {
      const id = await createCustomer(`Counted ${i}`, { token: counted.adminToken, ref: countedRef });
      for (let j = 0; j < 2; j++) {
        expect((await upload(counted.adminToken, { recordId: id, file: { bytes: pdf(200), name: `doc-${i}-${j}.pdf` } })).status).toBe(201);
      }
    }
    const query = `query($first: Int!) { customers(first: $first) { nodes { name documents(first: 5) { totalCount nodes { id filename downloadUrl uploadedBy { id } customer { id } } } } } }`;
    const small = await server.graphql(query, { first: 2 }, counted.adminToken);
    const large = await server.graphql(query, { first: 6 }, counted.adminToken);
    expect(small.errors).toBeUndefined();
    expect(large.data!.customers.nodes).toHaveLength(6);
    for (const c of large.data!.customers.nodes) expect(c.documents.totalCount).toBe(2);
    expect(Number.isInteger(small.statements)).toBe(true);
    expect(large.statements).toBe(small.statements);
  });
});
