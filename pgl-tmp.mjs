import { PGlite } from '@electric-sql/pglite';
import fs from 'node:fs';
const snap = new Blob([fs.readFileSync(process.argv[2])]);
const dist = 'node_modules/@electric-sql/pglite/dist/';
let t = Date.now();
const pgliteWasmModule = await WebAssembly.compile(fs.readFileSync(dist + 'pglite.wasm'));
const initdbWasmModule = await WebAssembly.compile(fs.readFileSync(dist + 'initdb.wasm'));
const fsBundle = new Blob([fs.readFileSync(dist + 'pglite.data')]);
console.log('compile', Date.now() - t);
for (let i = 0; i < 3; i++) {
  t = Date.now();
  const db = await PGlite.create({ loadDataDir: snap, pgliteWasmModule, initdbWasmModule, fsBundle });
  const t1 = Date.now() - t;
  await db.query('select 1');
  console.log('create (modules given)', t1);
  await db.close();
}
for (let i = 0; i < 2; i++) {
  t = Date.now();
  const db = await PGlite.create({ loadDataDir: snap });
  console.log('create (plain)', Date.now() - t);
  await db.close();
}
