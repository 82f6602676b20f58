#!/usr/bin/env node
// `npm run build` (and the first half of `npm start`): codegen and tsc, each only when its inputs
// changed. A full build takes half a minute on a small machine; a start with nothing changed should
// not. Inputs are compared by content hash, not mtime, so a checkout, a copy or a deleted file is
// noticed and a touched-but-unchanged file is not. `--force` builds regardless.
// Plain CommonJS with no dependencies: it must run before anything is compiled.
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const force = process.argv.includes('--force');
const say = (line) => process.stderr.write(`${line}\n`);

function filesUnder(dir, accept, skip = () => false) {
  const out = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      const rel = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (!skip(rel)) walk(rel);
      } else if (accept(rel)) out.push(rel);
    }
  };
  walk(dir);
  return out;
}

/** One hash over the files' names and contents (a rename or a deletion changes it too). */
function hashOf(files) {
  const hash = crypto.createHash('sha256');
  for (const file of [...files].sort()) {
    hash.update(`${file}\0`);
    hash.update(fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file)) : '(missing)');
    hash.update('\0');
  }
  return hash.digest('hex');
}

function stored(file) {
  try {
    return fs.readFileSync(path.join(root, file), 'utf8').trim();
  } catch {
    return null;
  }
}

function run(command, args) {
  const result = spawnSync(path.join(root, 'node_modules/.bin', command), args, { cwd: root, stdio: 'inherit' });
  if (result.error) {
    say(`build: could not run ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    say(`build: ${command} failed (exit code ${result.status}).`);
    process.exit(result.status ?? 1);
  }
}

const started = Date.now();
// 1. src/generated/ from schema/ (git-ignored, so its stamp lives there too).
const codegenInputs = [...filesUnder('schema', (f) => f.endsWith('.graphql')), 'codegen.ts', 'package-lock.json'];
const codegenStamp = 'src/generated/.inputs-sha256';
const codegenHash = hashOf(codegenInputs);
const codegenNeeded = force || !fs.existsSync(path.join(root, 'src/generated/graphql.ts')) || stored(codegenStamp) !== codegenHash;

// 2. dist/ from src/ (generated code included). The stamp lives in dist/, so deleting dist/ rebuilds.
const tscStamp = 'dist/.inputs-sha256';
const tscHash = () => hashOf([...filesUnder('src', (f) => f.endsWith('.ts')), 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']);

if (!codegenNeeded && !force && fs.existsSync(path.join(root, 'dist/src/main.js')) && stored(tscStamp) === tscHash()) {
  say(`build: up to date (dist/ matches src/ and schema/), checked in ${Date.now() - started} ms`);
  process.exit(0);
}

if (codegenNeeded) {
  say('build: schema/ changed, generating src/generated/ (graphql-codegen)…');
  run('graphql-codegen', ['--config', 'codegen.ts', '--silent']);
  fs.writeFileSync(path.join(root, codegenStamp), `${codegenHash}\n`);
}
const inputs = tscHash();
if (force || !fs.existsSync(path.join(root, 'dist/src/main.js')) || stored(tscStamp) !== inputs) {
  say('build: compiling src/ to dist/ (tsc, incremental; a first build takes a while)…');
  run('tsc', ['-p', 'tsconfig.build.json']);
  fs.writeFileSync(path.join(root, tscStamp), `${inputs}\n`);
}
say(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
