// What the query limits cost (src/limits): the benchmark's customer list (bench/customers.ts) sent
// one request at a time, alternately to two servers in this process on the same PostgreSQL
// database, one with the limits on and one with them off, so both see the same load; then the CPU
// time of the limits' own steps for that query and its response. Sequential requests on a shared
// machine are noisy: read the medians of a few runs. (Both servers share one process, so the
// AsyncLocalStorage of request stopping, once enabled, is on for both: its cost is not in the A/B.)
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench npx tsx bench/limits.ts   (after npm run bench has seeded it)
//   N=500 …                                                                              more rounds
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parse, validate, specifiedRules, getOperationAST } from 'graphql';
import pino from 'pino';
import { composition } from '../src/areas';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/client';
import { issueDemoTokens } from '../src/demo/demo-organisation';
import { buildSchema } from '../src/graph/schema';
import { requestedQueryCost, actualQueryCost } from '../src/limits/cost';
import { queryLimitRules, oversizedVariable } from '../src/limits/plugin';
import { createApp } from '../src/server';

const query = /query: `(query Bench[\s\S]*?)`,/.exec(fs.readFileSync(new URL('./customers.ts', `file://${__filename}`), 'utf8'))![1]!;
void (async () => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (the database npm run bench seeded)');
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 10, statementTimeoutMs: 15000 });
  // Demo tokens are not stored in plain text: fresh ones, as `npm start` issues them.
  const row = (await issueDemoTokens(database.db)).find((d) => d.role === 'ADMIN');
  const config = loadConfig({ NODE_ENV: 'production', PORT: '0', DATABASE_URL: url });
  const log = pino({ level: 'silent' });
  const apps = { on: await createApp({ config, database, log, limits: true }), off: await createApp({ config, database, log, limits: false }) };
  const urls: Record<string, string> = {};
  for (const [k, app] of Object.entries(apps)) {
    await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', r));
    const a = app.server.address() as { port: number };
    urls[k] = `http://127.0.0.1:${a.port}/graphql`;
  }
  const body = JSON.stringify({ query });
  const send = async (k: string) => {
    const t = performance.now();
    const res = await fetch(urls[k]!, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${row!.token}` }, body });
    const json = (await res.json()) as any;
    if (json.errors) throw new Error(JSON.stringify(json.errors));
    return { ms: performance.now() - t, json };
  };
  const times: Record<string, number[]> = { on: [], off: [] };
  let sample: any;
  for (let i = 0; i < 20; i++) {
    await send('on');
    await send('off');
  }
  const N = Number(process.env.N ?? 300);
  for (let i = 0; i < N; i++) {
    const order = i % 2 ? ['on', 'off'] : ['off', 'on'];
    for (const k of order) {
      const r = await send(k);
      times[k]!.push(r.ms);
      if (k === 'on') sample = r.json;
    }
  }
  const med = (a: number[]) => {
    const s = [...a].sort((x, y) => x - y);
    return s[Math.floor(s.length / 2)]!;
  };
  console.log(
    'sequential A/B, median ms: limits on',
    med(times.on!).toFixed(2),
    'off',
    med(times.off!).toFixed(2),
    'overhead',
    (((med(times.on!) - med(times.off!)) / med(times.off!)) * 100).toFixed(1) + '%',
  );
  console.log('extensions.cost', JSON.stringify(sample.extensions));
  // CPU of the limits' own work for this query and its response
  const schema = buildSchema(composition);
  const doc = parse(query);
  const op = getOperationAST(doc)!;
  const rules = queryLimitRules(config);
  const M = 500;
  let t = performance.now();
  for (let i = 0; i < M; i++) validate(schema, doc, rules);
  const vRules = (performance.now() - t) / M;
  t = performance.now();
  for (let i = 0; i < M; i++) validate(schema, doc, specifiedRules);
  const vSpec = (performance.now() - t) / M;
  t = performance.now();
  for (let i = 0; i < M; i++) requestedQueryCost({ schema, document: doc, maxPageSize: 100, variables: {} });
  const req = (performance.now() - t) / M;
  t = performance.now();
  for (let i = 0; i < M; i++) actualQueryCost({ schema, document: doc, operation: op, data: sample.data });
  const act = (performance.now() - t) / M;
  t = performance.now();
  for (let i = 0; i < M; i++) oversizedVariable({});
  const ov = (performance.now() - t) / M;
  console.log(
    `per request, ms: limit rules ${vRules.toFixed(3)} (graphql's own validation ${vSpec.toFixed(3)}), requested cost ${req.toFixed(3)}, actual cost ${act.toFixed(3)}, variables check ${ov.toFixed(4)}`,
  );
  for (const app of Object.values(apps)) await app.stop();
  await database.close();
})();
