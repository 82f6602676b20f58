// Where the project's own files are, whether running from src/ (tsx, jest) or dist/src/ (node).
import fs from 'node:fs';
import path from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findRoot(__dirname);
export const schemaDir = path.join(projectRoot, 'schema');
export const migrationsDir = path.join(projectRoot, 'drizzle');
