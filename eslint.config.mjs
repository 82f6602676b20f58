// Lint for the whole repository (`npm run lint`). Type-aware rules (floating and misused promises)
// run on the TypeScript files of tsconfig.json; plain JavaScript files get the rules that need no
// types. The boundary rule keeps the shared layers (architecture.json) from importing a domain area.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier/flat';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const root = path.dirname(fileURLToPath(import.meta.url));
const architecture = JSON.parse(readFileSync(path.join(root, 'architecture.json'), 'utf8'));

// Every folder under src/ that is neither a shared layer nor excluded is a domain area, so a new
// area is covered the day its folder appears.
export const domainAreas = readdirSync(path.join(root, 'src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .filter((name) => !architecture.sharedLayers.includes(name) && !architecture.notAreas.includes(name))
  .sort();

export const boundaryRule = [
  'error',
  {
    basePath: root,
    zones: [
      {
        target: architecture.sharedLayers.map((layer) => `./src/${layer}`),
        from: domainAreas.map((area) => `./src/${area}`),
        message: 'Shared layers (architecture.json) never import a domain area: the area registers itself with the composition root.',
      },
    ],
  },
];

const tsFiles = ['**/*.ts', '**/*.mts', '**/*.cts'];
const jsFiles = ['**/*.js', '**/*.cjs', '**/*.mjs'];

export default defineConfig(
  {
    ignores: ['src/generated/**', 'dist/**', 'node_modules/**', 'coverage/**', '.data/**', '**/.data/**', 'drizzle/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  importX.flatConfigs.recommended,
  {
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.node'] })],
      'import-x/extensions': ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts', '.cts'] },
      // Never parse dependencies (no-cycle would follow imports into them).
      'import-x/ignore': ['node_modules'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
    },
    rules: {
      // TypeScript checks names and defaults itself; these import-x rules only slow lint down.
      'import-x/named': 'off',
      'import-x/namespace': 'off',
      'import-x/default': 'off',
      'import-x/no-named-as-default-member': 'off',
      'import-x/no-unresolved': 'off',
      'import-x/no-duplicates': 'error',
      // Measured at about 10 s of the lint run on this tree; finds none today.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/order': [
        'error',
        {
          groups: ['builtin', 'external', 'internal', 'parent', 'sibling', 'index'],
          'newlines-between': 'ignore',
          alphabetize: { order: 'asc', caseInsensitive: true },
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: tsFiles,
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: jsFiles,
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.cjs', 'scripts/**/*.js', 'test/helpers/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', Buffer: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': boundaryRule },
  },
  {
    files: ['test/**/*.ts', 'test-e2e/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'warn' },
  },
  prettier,
);
