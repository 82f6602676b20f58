// GraphiQL, served from the project's own node_modules (no CDN), so it works offline.
// When demo data is on, the page is preloaded with the demo admin's token.
import path from 'node:path';
import express, { type Router } from 'express';

/** A file inside an installed package, found whether or not the package exports that path. */
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

const assets: Record<string, string> = {
  'react.js': packageFile('react', 'umd/react.production.min.js'),
  'react-dom.js': packageFile('react-dom', 'umd/react-dom.production.min.js'),
  'graphiql.js': packageFile('graphiql', 'graphiql.min.js'),
  'graphiql.css': packageFile('graphiql', 'graphiql.min.css'),
};

const defaultQuery = `# The first 20 customers, with their contacts and addresses.
query FirstCustomers {
  customers(first: 20) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      name
      status { code name }
      active
      contacts(first: 5) { nodes { fullName emails { address } phones { type number } } }
      addresses(first: 5) { nodes { type isDefault formatted } }
    }
  }
}
`;

/** The part of the browser's `localStorage` used below (no DOM types in this project). */
type BrowserStorage = { length: number; key(i: number): string | null; getItem(k: string): string | null; setItem(k: string, v: string): void };

/**
 * Runs in the browser before GraphiQL starts. GraphiQL keeps its tabs, headers included, in
 * localStorage, and demo tokens are new on every start: the previous start's demo token (remembered
 * under our own key) becomes the current one wherever GraphiQL stored it. Other headers stay as they are.
 */
function refreshStoredDemoToken(storage: BrowserStorage | undefined, token: string | null): void {
  const KEY = 'crm:demoToken';
  try {
    if (!storage || !token) return;
    const previous = storage.getItem(KEY);
    if (previous && previous !== token) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        const value = key && key.startsWith('graphiql:') ? storage.getItem(key) : null;
        if (key && value && value.includes(previous)) storage.setItem(key, value.split(previous).join(token));
      }
    }
    storage.setItem(KEY, token);
  } catch {
    // Storage refused (private mode, quota): GraphiQL still starts with the default headers.
  }
}

function page(defaultHeaders: Record<string, string>, demoToken: string | null): string {
  const config = JSON.stringify({ defaultHeaders: JSON.stringify(defaultHeaders, null, 2), defaultQuery, demoToken }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Customer records API · GraphiQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/graphiql/assets/graphiql.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/assets/react.js"></script>
  <script src="/graphiql/assets/react-dom.js"></script>
  <script src="/graphiql/assets/graphiql.js"></script>
  <script>
    const config = ${config};
    (${refreshStoredDemoToken.toString()})(typeof localStorage === 'undefined' ? undefined : localStorage, config.demoToken);
    const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery: config.defaultQuery,
        defaultHeaders: config.defaultHeaders,
        shouldPersistHeaders: true,
        defaultEditorToolsVisibility: 'headers',
        // Ask for the schema's own description too: the docs pane opens with it.
        schemaDescription: true,
      }),
    );
  </script>
</body>
</html>`;
}

/** `GET /graphql` from a browser, and the page's scripts and styles. */
export function graphiqlRouter(getDemoToken: () => string | null): Router {
  const router = express.Router();
  router.get('/graphiql/assets/:file', (req, res) => {
    const file = assets[req.params.file];
    if (!file) return res.status(404).end();
    res.setHeader('Cache-Control', 'public, max-age=86400');
    return res.sendFile(file);
  });
  router.get('/graphql', (req, res, next) => {
    // Programs doing GET queries (`?query=`) go on to the GraphQL handler; people get the IDE.
    if (req.query.query !== undefined || !req.accepts('html')) return next();
    const token = getDemoToken();
    res.type('html').send(page(token ? { Authorization: `Bearer ${token}` } : {}, token));
  });
  return router;
}
