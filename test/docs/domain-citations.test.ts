// Code comments, SDL comments, tests and the README cite docs/domain.md by heading
// (`docs/domain.md#merging-customers`). Every such citation must lead to a heading that exists, so
// renaming a heading means updating its citations, and no citation of the numbered sections of a
// document outside the repository comes back.
// @database-independent: it reads the source tree, so the PostgreSQL run leaves it out (jest.config.ts).
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const domain = fs.readFileSync(path.join(root, 'docs', 'domain.md'), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');

const anchors = new Set(
  domain
    .split('\n')
    .map((line) => line.match(/^#{2,6} (.+)$/)?.[1])
    .filter((heading): heading is string => heading !== undefined)
    .map(anchorOf),
);

function filesUnder(dir: string): string[] {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return [dir];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter((entry) => entry.name !== 'generated' && entry.name !== 'node_modules')
    .flatMap((entry) =>
      entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : /\.(ts|js|graphql|md)$/.test(entry.name) ? [path.join(dir, entry.name)] : [],
    );
}

const sources = ['src', 'schema', 'test', 'bench', 'scripts', 'README.md', 'docs'].flatMap(filesUnder);

test('docs/domain.md has the headings the code cites', () => {
  expect(anchors.has('merging-customers')).toBe(true);
  const broken: string[] = [];
  for (const file of sources) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const match of text.matchAll(/domain\.md#([a-z0-9-]+)/g)) {
      if (!anchors.has(match[1]!)) broken.push(`${file}: #${match[1]}`);
    }
    if (file === path.join('docs', 'domain.md')) {
      for (const match of text.matchAll(/\]\(#([a-z0-9-]+)\)/g)) {
        if (!anchors.has(match[1]!)) broken.push(`${file}: #${match[1]}`);
      }
    }
  }
  expect(broken).toEqual([]);
});

test('no citation of the numbered sections of the outside domain document is left', () => {
  const old: string[] = [];
  for (const file of sources) {
    fs.readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/\(D(?:1[0-2]|[1-9])\b[^)]*\)|\bD(?:1[0-2]|[1-9]):/.test(line)) old.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  expect(old).toEqual([]);
});
