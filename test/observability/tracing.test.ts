// OpenTelemetry tracing: with the SDK started before http/express/graphql load (as main.ts does when
// OTEL_EXPORTER_OTLP_ENDPOINT is set), one GraphQL request gives one trace: the HTTP server span, the
// operation's span named after it, its resolvers, and a span per SQL statement, without any values.
// Without an endpoint, nothing of the SDK is loaded. The instrumentations patch Node's require, which
// Jest bypasses, so the server runs in a child process (a fixture under tsx, or the compiled
// dist/src/ that `npm start` runs) and hands its spans over in a file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/paths';
import { serverEntry } from '../helpers/child-server';
import { createChildDatabase } from '../helpers/database';

type SpanLine = {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  attributes: Record<string, unknown>;
};

const SERVER = 1;
const CLIENT = 2;

let child: ChildProcess;
let spansFile: string;
let url: string;
let token: string;

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return { ...env, ...extra };
}

beforeAll(async () => {
  spansFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'crm-spans-')), 'spans.jsonl');
  child = spawn(process.execPath, ['--require', 'tsx/cjs', 'test/observability/fixtures/traced-server.ts'], {
    cwd: projectRoot,
    env: childEnv({ SPANS_FILE: spansFile }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const ready = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) resolve(JSON.parse(line) as { url: string; token: string });
    });
    child.once('exit', (code) => reject(new Error(`traced server exited (${code}): ${stderr}`)));
  });
  ({ url, token } = ready);
}, 120_000);

afterAll(() => {
  child?.kill('SIGKILL');
});

function readSpans(): SpanLine[] {
  if (!fs.existsSync(spansFile)) return [];
  return fs
    .readFileSync(spansFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SpanLine);
}

async function waitForSpans(done: (spans: SpanLine[]) => boolean): Promise<SpanLine[]> {
  for (let i = 0; i < 200; i += 1) {
    const spans = readSpans();
    if (done(spans)) return spans;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return readSpans();
}

describe('tracing', () => {
  it('traces a GraphQL request: HTTP server span → operation span with its name → resolver → SQL statements', async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: 'query TracedCustomers($first: Int) { customers(first: $first) { nodes { id name } } }',
        variables: { first: 7 },
      }),
    });
    expect(response.status).toBe(200);

    // A span is written when it ends, and Express's middleware span (the operation's parent) may end
    // just after the HTTP server span: wait until the trace is whole, every parent written.
    const spans = await waitForSpans((all) => {
      const root = all.find((s) => s.kind === SERVER && s.attributes['http.route'] === '/graphql');
      if (!root) return false;
      const inTrace = all.filter((s) => s.traceId === root.traceId);
      const ids = new Set(inTrace.map((s) => s.spanId));
      return inTrace.every((s) => s.parentSpanId === null || ids.has(s.parentSpanId));
    });
    const server = spans.find((s) => s.kind === SERVER && s.attributes['http.route'] === '/graphql');
    expect(server).toBeDefined();
    expect(server!.attributes['http.request.method']).toBe('POST');
    const trace = spans.filter((s) => s.traceId === server!.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const ancestors = (span: SpanLine): SpanLine[] => {
      const chain: SpanLine[] = [];
      for (let p = span.parentSpanId && byId.get(span.parentSpanId); p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) chain.push(p);
      return chain;
    };

    const operation = trace.find((s) => s.attributes['graphql.operation.name'] === 'TracedCustomers' && s.name.includes('TracedCustomers'));
    expect(operation).toBeDefined();
    expect(operation!.attributes['graphql.operation.type']).toBe('query');
    expect(ancestors(operation!)).toContain(server);

    const resolver = trace.find((s) => s.attributes['graphql.field.name'] === 'customers');
    expect(resolver).toBeDefined();
    expect(ancestors(resolver!)).toContain(operation);

    // SQL statements: client spans with the statement text, under the resolver that ran them.
    const statements = trace.filter((s) => s.kind === CLIENT && s.attributes['db.system.name'] === 'postgresql');
    expect(statements.length).toBeGreaterThan(0);
    const customersQuery = statements.find((s) => /from "customers"/.test(String(s.attributes['db.query.text'])));
    expect(customersQuery).toBeDefined();
    expect(ancestors(customersQuery!)).toContain(resolver);

    // No values in any span: not the token, not the variables.
    const everything = JSON.stringify(trace);
    expect(everything).not.toContain(token);
    expect(everything).not.toMatch(/\bfirst: 7\b|"first":7/);
  });

  it('leaves health probes and metric scrapes untraced', async () => {
    await fetch(`${url}/healthz`);
    await fetch(`${url}/metrics`);
    await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    const spans = await waitForSpans((all) => all.filter((s) => s.kind === SERVER).length >= 2);
    const servers = spans.filter((s) => s.kind === SERVER);
    expect(servers.some((s) => /healthz|metrics/.test(JSON.stringify(s.attributes)))).toBe(false);
  });
});

describe('tracing off', () => {
  it('without OTEL_EXPORTER_OTLP_ENDPOINT, loading the server loads no OpenTelemetry SDK or instrumentation', () => {
    // (@opentelemetry/api, the no-op facade, is loaded anyway: prom-client uses it for exemplars.)
    const script = [
      "require('./dist/src/observability/tracing');",
      "require('./dist/src/server');",
      "const loaded = Object.keys(require.cache).filter((k) => k.includes('@opentelemetry/') && !k.includes('@opentelemetry/api/'));",
      'process.stdout.write(JSON.stringify(loaded));',
    ].join('\n');
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: projectRoot,
      env: childEnv({}),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([]);
  }, 120_000);
});

describe('tracing through main', () => {
  it('with OTEL_EXPORTER_OTLP_ENDPOINT, `main` exports the spans over OTLP/HTTP, the last of them at SIGTERM', async () => {
    const received: Array<{ url: string; body: string }> = [];
    const collector = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += String(chunk)));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const address = collector.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const database = await createChildDatabase();
    const main = spawn(process.execPath, [serverEntry], {
      cwd: projectRoot,
      env: childEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        PORT: '0',
        HOST: '127.0.0.1',
        ...database.env,
        DEMO_DATA: 'false',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        main.stdout!.on('data', (chunk) => {
          out += String(chunk);
          const match = /"port":(\d+),"msg":"listening"/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        main.once('exit', (code) => reject(new Error(`main exited (${code})`)));
      });
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query OtlpPing { __typename }' }),
      });
      expect(response.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => main.once('exit', resolve));
      main.kill('SIGTERM');
      expect(await exited).toBe(0);
      const traces = received.filter((r) => r.url === '/v1/traces');
      expect(traces.length).toBeGreaterThan(0);
      expect(traces.some((r) => r.body.includes('OtlpPing'))).toBe(true);
    } finally {
      if (main.exitCode === null) main.kill('SIGKILL');
      collector.close();
      await database.drop();
    }
  }, 120_000);
});
