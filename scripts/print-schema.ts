// `npm run schema:print` writes schema.graphql from schema/*.graphql (see schema-sdl.ts);
// `npm run schema:check` (`--check`) writes nothing and fails when the committed file differs.
import fs from 'node:fs';
import path from 'node:path';
import { printedSchema, printedSchemaFile, projectRoot, schemaFromSdlOrExit } from './schema-sdl';

const check = process.argv.includes('--check');
const relative = path.relative(projectRoot, printedSchemaFile);

const wanted = printedSchema(schemaFromSdlOrExit());
const current = fs.existsSync(printedSchemaFile) ? fs.readFileSync(printedSchemaFile, 'utf8') : null;

if (check) {
  if (current !== wanted) {
    const why = current === null ? 'it does not exist' : firstDifference(current, wanted);
    console.error(`${relative} is out of date: run npm run schema:print (${why})`);
    process.exit(1);
  }
  console.log(`${relative} is up to date`);
} else if (current === wanted) {
  console.log(`${relative} is up to date`);
} else {
  fs.writeFileSync(printedSchemaFile, wanted);
  console.log(`wrote ${relative}`);
}

/** Where two printings first part, for the message: "line 120: `...` here, `...` from schema/". */
function firstDifference(committed: string, fromSdl: string): string {
  const a = committed.split('\n');
  const b = fromSdl.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const show = (line: string | undefined) => (line === undefined ? '(end of file)' : JSON.stringify(line.trim().slice(0, 80)));
      return `first difference at line ${i + 1}: committed ${show(a[i])}, schema/ gives ${show(b[i])}`;
    }
  }
  return 'they differ';
}
