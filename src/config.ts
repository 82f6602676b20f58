// Configuration: the environment, validated once at start-up into a typed object.
// A bad value stops the process with a message that names the variable and what it should be.
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './paths';
import { isAddressOrRange } from './webhooks/targets';

/**
 * PostgreSQL's `random_page_cost` on every connection unless DATABASE_RANDOM_PAGE_COST says otherwise.
 * PostgreSQL's own default (4) models spinning disks; for data in memory or on SSD its documentation
 * suggests about 1.1. With 4 the planner fetched each customer's contacts and addresses by a bitmap
 * scan and sorted them, though their index is already in page order; with 1.1 it walks the index:
 * the nested customer page costs PostgreSQL ~40 % less (issue 15).
 */
export const DEFAULT_RANDOM_PAGE_COST = 1.1;

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const disclosure = z.enum(['always', 'authenticated', 'never'], { message: 'expected always, authenticated or never' });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce
    .number({ message: 'expected a port number' })
    .int('expected a whole number')
    .min(0, 'expected a port number from 0 to 65535')
    .max(65535, 'expected a port number from 0 to 65535')
    .default(4000),
  /** Default: 127.0.0.1 while demo data is on (its tokens are printed and served), 0.0.0.0 otherwise. */
  HOST: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    // libpq's ?port= wins over the URL's own (src/db/client.ts, postgresTarget): a wrong one would
    // otherwise be dropped silently and the URL's port used.
    .refine((url) => {
      const port = URL.canParse(url) ? new URL(url).searchParams.get('port') : null;
      return port === null || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
    }, 'expected ?port= to be a port number from 1 to 65535')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** PostgreSQL's `random_page_cost` on every connection (both drivers); see DEFAULT_RANDOM_PAGE_COST above. */
  DATABASE_RANDOM_PAGE_COST: z.coerce.number({ message: 'expected a number' }).min(0.01).max(1000).default(DEFAULT_RANDOM_PAGE_COST),
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seed the demo organisation when the database has no organisation yet. */
  DEMO_DATA: boolean.optional(),
  /** Adds an `X-SQL-Statements` header to GraphQL responses (tests and benchmarks). */
  EXPOSE_SQL_COUNT: boolean.default(false),
  MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** Where uploaded documents' bytes live: PostgreSQL (`document_blobs`) or files under DOCUMENT_DIR. */
  DOCUMENT_STORAGE: z.enum(['database', 'folder'], { message: 'expected database or folder' }).default('database'),
  DOCUMENT_DIR: z.string().min(1).optional(),
  DOCUMENT_MAX_BYTES: z.coerce
    .number({ message: 'expected a number of bytes' })
    .int()
    .min(1)
    .default(25 * 1024 * 1024),
  /** Who may introspect the schema / get "Did you mean" hints; default: always, `authenticated` in production. */
  INTROSPECTION: disclosure.optional(),
  FIELD_SUGGESTIONS: disclosure.optional(),
  /** Origins browsers may call the API from, comma-separated (`https://app.example.com`), or `*`. */
  CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    )
    .pipe(
      z.array(
        z.string().regex(/^(\*|https?:\/\/[^/\s,]+)$/, 'expected origins like https://app.example.com (scheme and host, no path), comma-separated, or *'),
      ),
    )
    .default([]),
  /** When set, GET /metrics requires it as a Bearer token. */
  METRICS_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  /** Rate limits: a bucket of cost points per token (or per IP without one); src/rate-limit/. */
  RATE_LIMIT_ENABLED: boolean.default(true),
  RATE_LIMIT_BUCKET_SIZE: z.coerce.number({ message: 'expected a number of cost points' }).int().min(1).default(20_000),
  RATE_LIMIT_RESTORE_RATE: z.coerce.number({ message: 'expected cost points per second' }).positive('expected more than 0').default(1000),
  RATE_LIMIT_HTTP_COST: z.coerce.number({ message: 'expected a number of cost points' }).int().min(0).default(10),
  /** Points a refused token costs the caller's IP address, so guessing tokens is limited too. */
  RATE_LIMIT_REFUSED_TOKEN_COST: z.coerce.number({ message: 'expected a number of cost points' }).int().min(0).default(1000),
  RATE_LIMIT_MAX_KEYS: z.coerce.number().int().min(100).default(100_000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  RATE_LIMIT_REDIS_PREFIX: z.string().min(1).default('crm:cost:'),
  RATE_LIMIT_REDIS_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(250),
  // Query limits (src/limits): refused before anything runs.
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(30),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(100).default(5000),
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(20_000),
  /** PostgreSQL's statement_timeout for every connection; 0 turns it off. */
  STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  /** After this, a GraphQL request issues no more SQL and answers REQUEST_TIMEOUT (one stuck on the database is answered a second later regardless); 0 turns it off. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** GraphQL requests executed at once by this process; more wait their turn, first come first served. */
  MAX_CONCURRENT_REQUESTS: z.coerce.number({ message: 'expected a number of requests' }).int().min(1).max(10_000).default(8),
  /** Requests that may wait for a turn; one more is refused at once with 503 SERVER_BUSY. */
  MAX_QUEUED_REQUESTS: z.coerce.number({ message: 'expected a number of requests' }).int().min(0).max(1_000_000).default(1000),
  /** The request bodies waiting requests may hold in memory, together; one more is refused with 503 SERVER_BUSY. */
  MAX_QUEUED_BODY_BYTES: z.coerce
    .number({ message: 'expected a number of bytes' })
    .int()
    .min(1_048_576, { message: 'at least 1048576 (one request body of the largest size, 1 MB)' })
    .max(2 ** 40)
    .default(64 * 1_048_576),
  /** On SIGTERM, how long /readyz answers 503 before the server stops accepting connections. */
  SHUTDOWN_READINESS_DELAY_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(0).max(600_000).default(0),
  /** On SIGTERM, how long requests already received may take before their connections are closed. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(0).max(3_600_000).default(25_000),
  /** A RUNNING import whose heartbeat is older than this was left by a process that died: it is marked FAILED. */
  IMPORT_STALE_AFTER_SECONDS: z.coerce.number({ message: 'expected a number of seconds' }).int().min(2).max(86_400).default(60),
  // Webhook delivery (src/webhooks/): every instance takes part unless this is off.
  WEBHOOK_DELIVERY: boolean.default(true),
  /** How often an instance looks for events to send and deliveries due. */
  WEBHOOK_POLL_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(10).max(600_000).default(500),
  /** How long a receiver has to answer one delivery. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(100).max(120_000).default(10_000),
  /** Attempts per delivery before it is FAILED; waits between them double from WEBHOOK_RETRY_BASE_MS (at most 6 hours). */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(12),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(10).max(3_600_000).default(5_000),
  /** Failed attempts in a row (any of its deliveries) after which an endpoint is disabled. */
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(10_000).default(100),
  /**
   * Private, loopback and link-local addresses are refused as webhook targets (a webhook must not reach
   * inside the network); these addresses or ranges are allowed anyway, comma-separated (`127.0.0.1`, `10.0.0.0/8`).
   */
  WEBHOOK_ALLOWED_PRIVATE_TARGETS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    )
    .pipe(z.array(z.string().refine(isAddressOrRange, 'expected IP addresses or CIDR ranges, comma-separated (e.g. 127.0.0.1,10.0.0.0/8)')))
    .default([]),
  // Subscriptions over WebSocket (src/realtime/): fanned out through Redis when REDIS_URL is set.
  /** How often the change relay reads the event stream when no mutation has nudged it. */
  REALTIME_POLL_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(10).max(60_000).default(250),
  /** Open WebSocket connections per instance; more are refused (503) at the upgrade. */
  REALTIME_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Subscriptions at once on one connection. */
  REALTIME_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Prefix of the Redis channels and keys the subscriptions use (instances sharing it share changes and presence). */
  REALTIME_REDIS_PREFIX: z.string().min(1).default('crm:realtime:'),
});

/** Who gets to learn the schema: everyone, callers with a valid token, or no one. */
export type SchemaDisclosure = 'always' | 'authenticated' | 'never';

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  databaseRandomPageCost: number;
  dataDir: string;
  logLevel: string;
  demoData: boolean;
  exposeSqlCount: boolean;
  maxPageSize: number;
  documentStorage: 'database' | 'folder';
  documentDir: string;
  documentMaxBytes: number;
  introspection: SchemaDisclosure;
  fieldSuggestions: SchemaDisclosure;
  corsOrigins: string[];
  metricsToken: string | undefined;
  rateLimitEnabled: boolean;
  rateLimitBucketSize: number;
  rateLimitRestoreRate: number;
  rateLimitHttpCost: number;
  rateLimitRefusedTokenCost: number;
  rateLimitMaxKeys: number;
  redisUrl: string | undefined;
  rateLimitRedisPrefix: string;
  rateLimitRedisTimeoutMs: number;
  maxQueryDepth: number;
  maxQueryAliases: number;
  maxQueryTokens: number;
  maxQueryDirectives: number;
  maxQueryCost: number;
  statementTimeoutMs: number;
  requestTimeoutMs: number;
  maxConcurrentRequests: number;
  maxQueuedRequests: number;
  maxQueuedBodyBytes: number;
  shutdownReadinessDelayMs: number;
  shutdownTimeoutMs: number;
  importStaleAfterSeconds: number;
  webhookDelivery: boolean;
  webhookPollMs: number;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  webhookRetryBaseMs: number;
  webhookDisableAfterFailures: number;
  webhookAllowedPrivateTargets: string[];
  realtimePollMs: number;
  realtimeMaxConnections: number;
  realtimeMaxSubscriptionsPerConnection: number;
  realtimeRedisPrefix: string;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables count as unset, as in most twelve-factor tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      const value = env[name];
      return `  ${name}: ${issue.message}${value !== undefined ? ` (got ${JSON.stringify(value)})` : ''}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    // With demo data on, its ADMIN token is printed and served by GraphiQL: not to the network by default.
    host: c.HOST ?? ((c.DEMO_DATA ?? c.NODE_ENV !== 'production') ? '127.0.0.1' : '0.0.0.0'),
    databaseUrl: c.DATABASE_URL,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    databaseRandomPageCost: c.DATABASE_RANDOM_PAGE_COST,
    dataDir: path.resolve(projectRoot, c.DATA_DIR),
    logLevel: c.LOG_LEVEL,
    // Demo data is on by default, except in production where it must be asked for.
    demoData: c.DEMO_DATA ?? c.NODE_ENV !== 'production',
    exposeSqlCount: c.EXPOSE_SQL_COUNT,
    maxPageSize: c.MAX_PAGE_SIZE,
    documentStorage: c.DOCUMENT_STORAGE,
    documentDir: c.DOCUMENT_DIR ? path.resolve(projectRoot, c.DOCUMENT_DIR) : path.resolve(projectRoot, c.DATA_DIR, 'documents'),
    documentMaxBytes: c.DOCUMENT_MAX_BYTES,
    introspection: c.INTROSPECTION ?? (c.NODE_ENV === 'production' ? 'authenticated' : 'always'),
    fieldSuggestions: c.FIELD_SUGGESTIONS ?? (c.NODE_ENV === 'production' ? 'authenticated' : 'always'),
    corsOrigins: c.CORS_ORIGINS,
    metricsToken: c.METRICS_TOKEN,
    rateLimitEnabled: c.RATE_LIMIT_ENABLED,
    rateLimitBucketSize: c.RATE_LIMIT_BUCKET_SIZE,
    rateLimitRestoreRate: c.RATE_LIMIT_RESTORE_RATE,
    rateLimitHttpCost: c.RATE_LIMIT_HTTP_COST,
    rateLimitRefusedTokenCost: c.RATE_LIMIT_REFUSED_TOKEN_COST,
    rateLimitMaxKeys: c.RATE_LIMIT_MAX_KEYS,
    redisUrl: c.REDIS_URL,
    rateLimitRedisPrefix: c.RATE_LIMIT_REDIS_PREFIX,
    rateLimitRedisTimeoutMs: c.RATE_LIMIT_REDIS_TIMEOUT_MS,
    maxQueryDepth: c.MAX_QUERY_DEPTH,
    maxQueryAliases: c.MAX_QUERY_ALIASES,
    maxQueryTokens: c.MAX_QUERY_TOKENS,
    maxQueryDirectives: c.MAX_QUERY_DIRECTIVES,
    maxQueryCost: c.MAX_QUERY_COST,
    statementTimeoutMs: c.STATEMENT_TIMEOUT_MS,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    maxConcurrentRequests: c.MAX_CONCURRENT_REQUESTS,
    maxQueuedRequests: c.MAX_QUEUED_REQUESTS,
    maxQueuedBodyBytes: c.MAX_QUEUED_BODY_BYTES,
    shutdownReadinessDelayMs: c.SHUTDOWN_READINESS_DELAY_MS,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
    importStaleAfterSeconds: c.IMPORT_STALE_AFTER_SECONDS,
    webhookDelivery: c.WEBHOOK_DELIVERY,
    webhookPollMs: c.WEBHOOK_POLL_MS,
    webhookTimeoutMs: c.WEBHOOK_TIMEOUT_MS,
    webhookMaxAttempts: c.WEBHOOK_MAX_ATTEMPTS,
    webhookRetryBaseMs: c.WEBHOOK_RETRY_BASE_MS,
    webhookDisableAfterFailures: c.WEBHOOK_DISABLE_AFTER_FAILURES,
    webhookAllowedPrivateTargets: c.WEBHOOK_ALLOWED_PRIVATE_TARGETS,
    realtimePollMs: c.REALTIME_POLL_MS,
    realtimeMaxConnections: c.REALTIME_MAX_CONNECTIONS,
    realtimeMaxSubscriptionsPerConnection: c.REALTIME_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    realtimeRedisPrefix: c.REALTIME_REDIS_PREFIX,
  };
}
