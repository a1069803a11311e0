import type { Config } from 'jest';

type Project = NonNullable<Config['projects']>[number] & object;

const common: Project = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // swc only strips types (fast); type errors are `npm run typecheck`'s job, which CI runs before the tests.
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { swcrc: false, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // The generated Prisma client imports its TypeScript siblings as `./x.js` (ESM style); point those at the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['<rootDir>/test/support/quiet-worker-logs.ts'],
};

const config: Config = {
  projects: [
    {
      // `*.unit.test.ts`: pure modules, no server, no database, no child process (`npm run test:unit`).
      ...common,
      displayName: 'unit',
      testMatch: ['**/*.unit.test.ts'],
    },
    {
      // Everything else runs against real servers: one Postgres for the run, migrated once into a template that each
      // file gets a copy of; each file starts the Temporal server it needs.
      ...common,
      displayName: 'integration',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['\\.unit\\.test\\.ts$'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/database-per-file.ts'],
    },
  ],
  // Test files run side by side (see package.json's `test`), each in a child process that is replaced once its heap
  // passes 1 GB: every file loads the SDK, Prisma and the API afresh, and a long-lived process's heap grew ≈ 27 MB a
  // file towards Node's 4 GB limit, where garbage collection stalls the last files' hooks past their timeouts.
  workerIdleMemoryLimit: '1GB',
  // A project's own testTimeout is not applied when it runs among projects: one for all.
  testTimeout: 120_000,
  verbose: true,
  // The default report, then the run's time budget: wall time and the slowest files (see scripts/test-report).
  reporters: ['default', '<rootDir>/scripts/test-report/slowest-files-reporter.cjs'],
  // Longest file first, also in a fresh clone, so that the run does not end waiting on one long file.
  testSequencer: '<rootDir>/scripts/test-report/longest-first-sequencer.cjs',
};

export default config;
