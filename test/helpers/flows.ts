// The small flows most test files need, once, over HTTP as a client would: run an operation and
// fail the test on any GraphQL error (`gql`), run a mutation that must succeed (`mutate`), create a
// customer or a lead, upload a file. A test file binds them to its server, token and reference
// lists, which are read at each call (they are set in beforeAll):
//
//   const { gql, createCustomer, upload } = flows(() => ({ server, token: org.adminToken, ref }));
//
// Operations written with `graphql(`…`)` from test/generated (`npm run codegen`) are typed: `gql`
// returns their result type and checks their variables. Plain strings still work, untyped.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode } from 'graphql';
import { graphql } from '../generated';
import type { CreateLeadInput } from '../generated/graphql';
import { CREATE_CUSTOMER_DOCUMENT, customerInput, type CustomerOverrides, type Reference } from './reference';
import type { TestServer } from './server';

/** What a plain-string operation returns: not checked against the schema. */
export type UntypedData = Record<string, any>;

export type FlowContext = {
  server: TestServer;
  /** The default caller; each flow takes `token` to call as someone else. */
  token: string;
  /** The reference lists `createCustomer` fills a customer's type from. */
  ref?: Reference;
};

/** An error in a REST endpoint's answer (`POST /documents`, `/imports/…`), shaped like a GraphQL error. */
export type RestError = { message: string; extensions: { code: string; field?: string[] } };

/** `POST /documents`' answer: the stored document. */
export type UploadedDocument = { id: string; filename: string; contentType: string; sizeBytes: number; sha256: string; downloadUrl: string };

/** An import's job as `POST /imports/…` answers it. */
export type ImportJobAnswer = {
  id: string;
  status: string;
  mode: string;
  rowsRead: number;
  rowsImported: number;
  rowsValid: number;
  rowsUpdated: number;
  errorCount: number;
  errors: Array<{ row: number; field?: string | null; message: string }>;
  failureMessage: string | null;
};

/** The JSON answer of a multipart endpoint: what it made, or why it refused. */
export type UploadBody = { document?: UploadedDocument; importJob?: ImportJobAnswer; errors?: RestError[] };

export type UploadAnswer = { status: number; body: UploadBody; headers: Headers };

/** A file part: its bytes, name and content type. */
export type FilePart = { bytes: string | Buffer; name: string; type?: string };

const CREATE_LEAD = graphql(`
  mutation CreateLeadFlow($input: CreateLeadInput!) {
    createLead(input: $input) {
      lead {
        id
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`);

/**
 * `POST <route>` with a multipart/form-data body: the fields in order, then the file (first, with
 * `fileFirst`; none when `file` is null). `token: null` sends no Authorization header.
 */
export async function postMultipart(
  server: TestServer,
  route: string,
  fields: Record<string, string>,
  file: FilePart | null,
  options: { token: string | null; fileFirst?: boolean },
): Promise<UploadAnswer> {
  const form = new FormData();
  const addFile = () => file && form.append('file', new Blob([file.bytes], file.type === undefined ? undefined : { type: file.type }), file.name);
  if (options.fileFirst) addFile();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (!options.fileFirst) addFile();
  const response = await fetch(`${baseUrlOf(server)}${route}`, {
    method: 'POST',
    body: form,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  });
  return { status: response.status, body: (await response.json()) as UploadBody, headers: response.headers };
}

/** What an import answered: the status, the job (or the refusal), and the job's id from the header sent before the body. */
export type ImportAnswer = { status: number; body: UploadBody; jobHeader: string | null };

/**
 * A CSV import (`POST /imports/customers` or `/imports/work-addresses`) as `token`: the form's fields
 * (`mapping` as JSON unless given as a string), then the CSV as `fileName`; no file when `csv` is null.
 */
export async function importCsv(
  server: TestServer,
  route: string,
  token: string,
  fields: { customerId?: string; mapping?: unknown; mode?: string },
  csv: string | null,
  fileName: string,
): Promise<ImportAnswer> {
  const form: Record<string, string> = {};
  if (fields.customerId !== undefined) form.customerId = fields.customerId;
  if (fields.mapping !== undefined) form.mapping = typeof fields.mapping === 'string' ? fields.mapping : JSON.stringify(fields.mapping);
  if (fields.mode !== undefined) form.mode = fields.mode;
  const answer = await postMultipart(server, route, form, csv === null ? null : { bytes: csv, name: fileName, type: 'text/csv' }, { token });
  return { status: answer.status, body: answer.body, jobHeader: answer.headers.get('x-import-job-id') };
}

/** The server's address without `/graphql`, for its REST routes. */
export function baseUrlOf(server: TestServer): string {
  return server.url.replace(/\/graphql$/, '');
}

export function flows(context: () => FlowContext) {
  /** Runs the operation (as `token`, default the context's) and fails the test on any GraphQL error; returns `data`. */
  async function gql<R, V>(document: TypedDocumentNode<R, V>, variables: V, token?: string | null): Promise<R>;
  async function gql(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<UntypedData>;
  async function gql(query: string | DocumentNode, variables: unknown = {}, token?: string | null): Promise<unknown> {
    const { server, token: defaultToken } = context();
    const res = await server.graphql(query as TypedDocumentNode<unknown, unknown>, variables, token === undefined ? defaultToken : token);
    expect(res.errors).toBeUndefined();
    return res.data;
  }

  /**
   * Runs `mutation($input: <Name>Input!) { name(input: $input) { <selection> userErrors … } }`, which
   * must succeed (no userErrors); returns its payload.
   */
  async function mutate(
    name: string,
    input: Record<string, unknown>,
    selection: string,
    options: { token?: string; inputType?: string } = {},
  ): Promise<UntypedData> {
    const type = options.inputType ?? name[0]!.toUpperCase() + name.slice(1) + 'Input';
    const data = await gql(
      `mutation($input: ${type}!) { ${name}(input: $input) { ${selection} userErrors { field code message } } }`,
      { input },
      options.token,
    );
    expect({ name, userErrors: data[name].userErrors }).toEqual({ name, userErrors: [] });
    return data[name];
  }

  /** Runs a mutation written out in full that takes `$input`; it must succeed (no errors, no userErrors). Returns its payload. */
  async function mutation(query: string, input: Record<string, unknown>, options: { token?: string } = {}): Promise<UntypedData> {
    const data = await gql(query, { input }, options.token);
    const payload = Object.values(data)[0] as UntypedData | undefined;
    expect({ mutation: query.slice(0, 60), userErrors: payload?.userErrors }).toEqual({ mutation: query.slice(0, 60), userErrors: [] });
    return payload!;
  }

  /** A new customer (reference.ts' `customerInput` with `name` and `overrides`), which must be created; returns it (id, version, contacts, …). */
  async function createCustomerReturning(name: string, options: { token?: string; ref?: Reference; overrides?: CustomerOverrides } = {}) {
    const ref = options.ref ?? context().ref;
    if (!ref) throw new Error('createCustomer needs the reference lists: give `ref` in flows() or in the options');
    const data = await gql(CREATE_CUSTOMER_DOCUMENT, { input: customerInput(ref, { name, ...options.overrides }) }, options.token);
    expect(data.createCustomer.userErrors).toEqual([]);
    return data.createCustomer.customer!;
  }

  return {
    gql,
    mutate,
    mutation,
    createCustomerReturning,

    /** A new customer, which must be created; returns its id. */
    async createCustomer(name: string, options: { token?: string; ref?: Reference; overrides?: CustomerOverrides } = {}): Promise<string> {
      return (await createCustomerReturning(name, options)).id;
    },

    /** A new lead, which must be created; returns its id. */
    async createLead(input: CreateLeadInput, options: { token?: string } = {}): Promise<string> {
      const data = await gql(CREATE_LEAD, { input }, options.token);
      expect(data.createLead.userErrors).toEqual([]);
      return data.createLead.lead!.id;
    },

    /** Uploads a document to the record (`POST /documents`), which must be stored (201); returns it. */
    async upload(recordId: string, file: FilePart, options: { token?: string } = {}): Promise<UploadedDocument> {
      const { server, token } = context();
      const answer = await postMultipart(server, '/documents', { recordId }, file, { token: options.token ?? token });
      expect(answer.status).toBe(201);
      return answer.body.document!;
    },

    /** `POST <route>` with the fields, then the file (see `postMultipart`), as `token` (default the context's); the answer, unchecked. */
    async postMultipart(
      route: string,
      fields: Record<string, string>,
      file: FilePart | null,
      options: { token?: string | null; fileFirst?: boolean } = {},
    ): Promise<UploadAnswer> {
      const { server, token } = context();
      return postMultipart(server, route, fields, file, { token: options.token === undefined ? token : options.token, fileFirst: options.fileFirst });
    },
  };
}
