// The shared layers (architecture.json: graph, db, auth, http, …) never import a domain area; the
// areas plug into them through the composition root. ESLint's import-x/no-restricted-paths rule in
// eslint.config.mjs says so; this runs that rule alone, from the real configuration, so the suite
// fails on a new violation even where `npm run lint` is not run, and shows the rule really fires.
// @database-independent: it reads the source tree, so the PostgreSQL run leaves it out (jest.config.ts).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import architecture from '../../architecture.json';

const root = path.join(__dirname, '..', '..');
const RULE = 'import-x/no-restricted-paths';

function boundaryLinter(): ESLint {
  return new ESLint({
    cwd: root,
    overrideConfigFile: path.join(root, 'eslint.config.mjs'),
    // The boundary rule needs no type information: skip building the TypeScript program.
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
    ruleFilter: ({ ruleId }) => ruleId === RULE,
  });
}

/** `file:line imports "path"`, one per violation (or parse error) in the results. */
function violations(results: ESLint.LintResult[]): string[] {
  return results.flatMap((result) =>
    result.messages.map((m) => {
      const where = `${path.relative(root, result.filePath)}:${m.line}`;
      return m.ruleId === RULE ? `${where} imports ${/"[^"]*"/.exec(m.message)?.[0] ?? m.message}` : `${where} ${m.message}`;
    }),
  );
}

async function lintLayers(layers: string[]): Promise<string[]> {
  const results = await boundaryLinter().lintFiles(layers.map((layer) => `src/${layer}/**/*.ts`));
  expect(results.length).toBeGreaterThanOrEqual(layers.length);
  return violations(results);
}

it('keeps graph/, db/ and auth/ free of imports of domain areas', async () => {
  expect(await lintLayers(['graph', 'db', 'auth'])).toEqual([]);
});

it('keeps the other shared layers free of imports of domain areas', async () => {
  const others = architecture.sharedLayers.filter((layer) => !['graph', 'db', 'auth'].includes(layer));
  expect(others.length).toBeGreaterThan(0);
  expect(await lintLayers(others)).toEqual([]);
});

it('refuses an area import in a shared layer, type-only imports and re-exports included', async () => {
  const linter = boundaryLinter();
  const code = [
    "import { customers } from '../customers/tables';",
    "import type { LeadRow } from '../leads/tables';",
    "export { portalTokens } from '../portal/tables';",
    "import { toGlobalId } from './ids';",
    'export const all = [customers, toGlobalId];',
    'export type L = LeadRow;',
  ].join('\n');
  const [result] = await linter.lintText(code, { filePath: path.join(root, 'src/graph/boundary-probe.ts') });
  expect(result!.messages.map((m) => [m.ruleId, m.line])).toEqual([
    [RULE, 1],
    [RULE, 2],
    [RULE, 3],
  ]);
  // An area may import a shared layer and another area.
  const [allowed] = await linter.lintText(
    "import { toGlobalId } from '../graph/ids';\nimport { leads } from '../leads/tables';\nexport const x = [toGlobalId, leads];\n",
    { filePath: path.join(root, 'src/customers/boundary-probe.ts') },
  );
  expect(allowed!.messages).toEqual([]);
});

it('treats every other folder under src/ as a domain area, so a new area is covered without a list to update', async () => {
  const areas = readdirSync(path.join(root, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !architecture.sharedLayers.includes(entry.name) && !architecture.notAreas.includes(entry.name))
    .map((entry) => entry.name);
  expect(areas).toEqual(expect.arrayContaining(['customers', 'leads', 'organisations', 'portal', 'cli', 'demo']));
  // One import of a real module of each area, from a probe file in db/.
  const imports = areas.map((area) => {
    const module = readdirSync(path.join(root, 'src', area)).find((name) => name.endsWith('.ts'))!;
    return `import '../${area}/${module.replace(/\.ts$/, '')}';`;
  });
  const [result] = await boundaryLinter().lintText(imports.join('\n'), { filePath: path.join(root, 'src/db/boundary-probe.ts') });
  expect(result!.messages.map((m) => m.line)).toEqual(areas.map((_, i) => i + 1));
});
