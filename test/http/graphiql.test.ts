// GraphiQL keeps its tabs, headers included, in the browser's localStorage. Demo tokens are new on
// every start, so the page swaps the previous start's demo token for the current one there (and
// leaves any other header alone).
import vm from 'node:vm';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let demoToken = 'crm_first';

beforeAll(async () => {
  // The app reads the token through a function, as main.ts passes it after issuing demo tokens.
  server = await startTestServer({}, { demoToken: () => demoToken });
});
afterAll(() => server.close());

/** A Storage-like object over a Map, as a browser's localStorage. */
function fakeStorage(entries: Record<string, string>) {
  const map = new Map(Object.entries(entries));
  return {
    map,
    get length() {
      return map.size;
    },
    key: (i: number) => [...map.keys()][i] ?? null,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, String(v)),
  };
}

/** Runs the page's inline script up to GraphiQL's rendering, against the given storage. */
async function openPage(storage: ReturnType<typeof fakeStorage>): Promise<void> {
  const html = await fetch(server.url, { headers: { accept: 'text/html' } }).then((r) => r.text());
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  const rendered: unknown[] = [];
  vm.runInNewContext(script, {
    localStorage: storage,
    GraphiQL: { createFetcher: () => () => null },
    React: { createElement: (_c: unknown, props: unknown) => props },
    ReactDOM: { createRoot: () => ({ render: (p: unknown) => rendered.push(p) }) },
    document: { getElementById: () => ({}) },
  });
  expect(rendered).toHaveLength(1);
}

it("replaces the previous start's demo token in stored tabs, and nothing else", async () => {
  const storage = fakeStorage({});
  demoToken = 'crm_first';
  await openPage(storage);
  // The person works in GraphiQL: tabs with the first token, one with a token they pasted.
  storage.setItem(
    'graphiql:tabState',
    JSON.stringify({ tabs: [{ headers: '{"Authorization": "Bearer crm_first"}' }, { headers: '{"Authorization": "Bearer crm_pasted"}' }] }),
  );
  storage.setItem('graphiql:headers', '{"Authorization": "Bearer crm_first"}');

  demoToken = 'crm_second';
  await openPage(storage);
  expect(storage.getItem('graphiql:tabState')).toBe(
    JSON.stringify({ tabs: [{ headers: '{"Authorization": "Bearer crm_second"}' }, { headers: '{"Authorization": "Bearer crm_pasted"}' }] }),
  );
  expect(storage.getItem('graphiql:headers')).toBe('{"Authorization": "Bearer crm_second"}');
});
