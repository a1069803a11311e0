import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // swc only strips types (fast); type errors are `npm run typecheck`'s job, which CI runs before the tests.
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { swcrc: false, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // The generated Prisma client imports its TypeScript siblings as `./x.js` (ESM style); point those at the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // One real Postgres for the whole run, migrated once; each test file starts the Temporal server it needs.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/quiet-worker-logs.ts'],
  testTimeout: 120_000,
  // One test file at a time, in a child process that is replaced once its heap passes 1 GB: every file loads the
  // SDK, Prisma and the API afresh, and in one process for the whole run the heap grew ≈ 27 MB a file towards
  // Node's 4 GB limit, where garbage collection stalls the last files' hooks past their timeouts.
  workerIdleMemoryLimit: '1GB',
  verbose: true,
  // The default report, then the run's time budget: wall time and the slowest files (see scripts/test-report).
  reporters: ['default', '<rootDir>/scripts/test-report/slowest-files-reporter.cjs'],
};

export default config;
