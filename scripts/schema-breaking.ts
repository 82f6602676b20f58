// `npm run schema:breaking`: would the schema in schema/ break clients of the previous version?
// Compares it with the schema.graphql of a base commit (SCHEMA_BASE_REF, default HEAD~1) using
// graphql-js's findBreakingChanges, and fails listing each breaking change, unless the change is
// listed as intended in schema-changes.md *by this change*: an entry already in the base's
// schema-changes.md does not excuse new breaks of the same field. Nothing to compare with (no
// earlier commit, no schema.graphql there yet, a shallow clone without the base) passes with a note.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, findDangerousChanges, type BreakingChange, type DangerousChange } from 'graphql';
import { printedSchemaFile, projectRoot, schemaFromSdlOrExit } from './schema-sdl';

const intendedFile = path.join(projectRoot, 'schema-changes.md');
const explicitBase = process.env.SCHEMA_BASE_REF?.trim() || undefined;
const baseRef = explicitBase ?? 'HEAD~1';
const repoPath = (file: string) => path.relative(projectRoot, file).split(path.sep).join('/');

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return null;
  }
}

function pass(note: string): never {
  console.log(`schema:breaking: ${note}`);
  process.exit(0);
}

/** "Type.field", "Enum.VALUE", "Input.field", "Type": what an entry in schema-changes.md names. */
function coordinateOf(change: BreakingChange | DangerousChange): string {
  const d = change.description;
  const patterns: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
    [/^A required arg \w+ on (\w+)\.(\w+) was added/, (m) => `${m[1]}.${m[2]}`],
    [/^A required field (\w+) on input type (\w+) was added/, (m) => `${m[2]}.${m[1]}`],
    [/^(\w+) was removed from (?:enum|union) type (\w+)/, (m) => `${m[2]}.${m[1]}`],
    [/^(\w+)\.(\w+)\b/, (m) => `${m[1]}.${m[2]}`],
    [/^(\w+)\b/, (m) => m[1]!],
  ];
  for (const [pattern, coordinate] of patterns) {
    const match = d.match(pattern);
    if (match) return coordinate(match);
  }
  return d;
}

/** The coordinates listed in a schema-changes.md: lines "- `Type.field` …" (not the examples in code fences). */
function listedCoordinates(text: string | null): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of (text ?? '').split('\n')) {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    const match = fenced ? null : line.match(/^\s*[-*]\s+`([^`]+)`/);
    if (match) out.add(match[1]!.trim());
  }
  return out;
}

if (git(['rev-parse', '--git-dir']) === null) pass('not a git checkout; nothing to compare with (skipped)');

const baseCommit = git(['rev-parse', '--verify', '--quiet', `${baseRef}^{commit}`])?.trim();
if (!baseCommit) {
  if (git(['rev-parse', '--is-shallow-repository'])?.trim() === 'true') {
    console.warn(
      `schema:breaking: warning: shallow clone, ${baseRef} is not available; breaking changes NOT checked (fetch more history, e.g. git fetch --deepen=1)`,
    );
    process.exit(0);
  }
  if (explicitBase) {
    console.error(`schema:breaking: SCHEMA_BASE_REF=${explicitBase} is not a commit in this repository`);
    process.exit(1);
  }
  pass(`${baseRef} does not exist (first commit); nothing to compare with`);
}

const printedPath = repoPath(printedSchemaFile);
const baseText = git(['show', `${baseCommit}:${printedPath}`]);
if (baseText === null) pass(`${baseRef} has no ${printedPath} yet; nothing to compare with`);

const before = buildSchema(baseText);
const now = schemaFromSdlOrExit();
const breaking = findBreakingChanges(before, now);
const dangerous = findDangerousChanges(before, now);

const alreadyListed = listedCoordinates(git(['show', `${baseCommit}:${repoPath(intendedFile)}`]));
const listedNow = listedCoordinates(fs.existsSync(intendedFile) ? fs.readFileSync(intendedFile, 'utf8') : null);
const intended = new Set([...listedNow].filter((c) => !alreadyListed.has(c)));

const label = `${baseRef} (${baseCommit.slice(0, 10)})`;
for (const change of dangerous) console.log(`  note (dangerous, not breaking): ${change.description}`);

const refused = breaking.filter((change) => !intended.has(coordinateOf(change)));
const accepted = breaking.filter((change) => intended.has(coordinateOf(change)));
for (const change of accepted) console.log(`  intended (schema-changes.md): ${coordinateOf(change)}: ${change.description}`);

if (refused.length > 0) {
  console.error(`schema:breaking: ${refused.length} breaking change(s) since ${label}:`);
  for (const change of refused) console.error(`  ${coordinateOf(change)}: ${change.description} [${change.type}]`);
  console.error(
    'If the break is intended, list each coordinate in schema-changes.md in the same change (e.g. "- `Customer.oldField`: removed, because …"); ' +
      'otherwise keep the old field or argument (deprecate it) and add the new one beside it.',
  );
  process.exit(1);
}
pass(`no unintended breaking changes since ${label}${accepted.length ? ` (${accepted.length} intended)` : ''}`);
