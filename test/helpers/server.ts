// An API server for one test file, on its own fresh database and a free port, with a GraphQL client
// that reports how many SQL statements each request issued.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import pino, { type Logger } from 'pino';
import { loadConfig } from '../../src/config';
import { toGlobalId } from '../../src/graph/ids';
import { createOrganisation, createUser } from '../../src/organisations/service';
import { createApp, type App } from '../../src/server';
import type { Role } from '../../src/tenancy/tables';
import { createTestDatabase, type TestDatabase } from './database';

export type GraphQLResponse<T = Record<string, any>> = {
  status: number;
  data: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
  statements: number;
};

export type TestServer = {
  url: string;
  database: TestDatabase;
  app: App;
  /** Sends a GraphQL request over HTTP, as a client would. A typed document (test/generated's `graphql(`…`)`) types the answer and the variables. */
  graphql<T, V>(query: TypedDocumentNode<T, V>, variables: V, token?: string | null): Promise<GraphQLResponse<T>>;
  graphql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
};

/** `log`: where the server logs (tests that read log lines); silent unless TEST_LOG_LEVEL says otherwise. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: {
    poolSize?: number;
    statementTimeoutMs?: number;
    demoToken?: () => string | null;
    /** The rate-limit buckets' clock. */
    rateLimitNow?: () => number;
    /** Runs on the fresh database before the server starts. */
    beforeStart?: (database: TestDatabase) => Promise<void>;
    log?: Logger;
  } = {},
): Promise<TestServer> {
  const database = await createTestDatabase(options);
  await options.beforeStart?.(database);
  // Rate limits are off unless a test turns them on: a test's burst of requests is not a client's.
  // So is webhook delivery (a loop in the background): the webhook tests turn it on.
  const config = loadConfig({ NODE_ENV: 'test', EXPOSE_SQL_COUNT: 'true', PORT: '0', RATE_LIMIT_ENABLED: 'false', WEBHOOK_DELIVERY: 'false', ...env });
  const log = options.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = await createApp({ config, database, log, demoToken: options.demoToken, rateLimitNow: options.rateLimitNow });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;
  return {
    url,
    database,
    app,
    async graphql(query: string | DocumentNode, variables?: unknown, token?: string | null) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: any };
      return {
        status: response.status,
        data: body.data ?? null,
        errors: body.errors,
        statements: Number(response.headers.get('x-sql-statements') ?? NaN),
      };
    },
    async close() {
      await app.stop();
      await database.drop();
    },
  };
}

export type TestOrganisation = {
  organisationId: string;
  adminToken: string;
  /** Tokens by role, created on demand. */
  tokenFor(role: Role): Promise<string>;
  userIdFor(role: Role): Promise<string>;
};

/** A new organisation with its reference lists and an admin; more users per role on demand. */
export async function createTestOrganisation(server: TestServer, name = 'Acme Services'): Promise<TestOrganisation> {
  const created = await createOrganisation(server.database.db, { name, adminEmail: `admin@${name.toLowerCase().replace(/\W+/g, '-')}.test` });
  const users = new Map<Role, { id: string; token: string }>([['ADMIN', { id: created.admin.id, token: created.token }]]);
  const ensure = async (role: Role) => {
    let user = users.get(role);
    if (!user) {
      const made = await createUser(server.database.db, created.organisation.id, {
        email: `${role.toLowerCase()}-${users.size}@${name.toLowerCase().replace(/\W+/g, '-')}.test`,
        name: `${role} user`,
        role,
      });
      user = { id: made.user.id, token: made.token };
      users.set(role, user);
    }
    return user;
  };
  return {
    organisationId: created.organisation.id,
    adminToken: created.token,
    tokenFor: async (role) => (await ensure(role)).token,
    userIdFor: async (role) => toGlobalId('User', (await ensure(role)).id),
  };
}

/** The failing field paths and codes of a payload's userErrors, for compact assertions. */
export function errorCodes(userErrors: Array<{ field: string[]; code: string }>): string[] {
  return userErrors.map((e) => `${e.field.join('.')}:${e.code}`);
}
