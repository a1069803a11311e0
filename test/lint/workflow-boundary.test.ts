import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../support/package-scripts';
import { runProcess } from '../support/run-process';

// The lint rule that keeps workflow code deterministic (eslint.config.mjs): a bad import in a workflow, or in a pure
// module that workflows import, fails `npm run lint` instead of a worker at start-up. Probe files with every kind of
// import are linted where workflow code lives and where it does not.

const PROBE = `import { readFileSync } from 'node:fs';
import { createHash } from 'crypto';
import { PrismaClient } from '@prisma/client';
import { Hono } from 'hono';
import pino from 'pino';
import { Client } from '@temporalio/client';
import { createDb } from '../db/client';
import { createDeliveryActivities } from '../activities';
import { GreetingWorkflows } from '../temporal/greeting-workflows';
import type { DeliveryActivities } from '../activities';
import type { Db } from '../db/client';
import { DateTime } from 'luxon';
import { proxyActivities } from '@temporalio/workflow';

export const used = [readFileSync, createHash, PrismaClient, Hono, pino, Client, createDb, createDeliveryActivities, GreetingWorkflows, DateTime, proxyActivities];
export type Used = [DeliveryActivities, Db];
`;

const FOLDERS = ['src/workflows', 'src/greetings', 'src/time', 'src/api'];
const BOUNDARY_RULES = ['@typescript-eslint/no-restricted-imports', 'import-x/no-nodejs-modules'];

/** For each folder, the import lines of PROBE that ESLint flags with the boundary's rules there. */
const flagged = new Map<string, string[]>();

beforeAll(async () => {
  const probes = FOLDERS.map((folder) => ({
    folder,
    file: path.join(projectRoot, folder, `lint-probe-${randomUUID()}.ts`),
  }));
  try {
    await Promise.all(probes.map(({ file }) => writeFile(file, PROBE)));
    // One run for every probe: building the typed program is most of the time.
    const result = await runProcess(
      process.execPath,
      ['node_modules/eslint/bin/eslint.js', '--format', 'json', ...probes.map(({ file }) => file)],
      { timeoutMs: 120_000 },
    );
    const reports = JSON.parse(result.stdout) as {
      filePath: string;
      messages: { ruleId: string | null; line: number }[];
    }[];
    const lines = PROBE.split('\n');
    for (const { folder, file } of probes) {
      const messages = reports.find((report) => report.filePath === file)?.messages ?? [];
      const hits = messages.filter((message) => BOUNDARY_RULES.includes(message.ruleId ?? ''));
      flagged.set(folder, [...new Set(hits.map((message) => lines[message.line - 1]!))].sort());
    }
  } finally {
    await Promise.all(probes.map(({ file }) => rm(file, { force: true })));
  }
}, 150_000);

const FORBIDDEN = PROBE.split('\n').filter(
  (line) =>
    line.startsWith('import ') && !line.startsWith('import type') && !/'(luxon|@temporalio\/workflow)'/.test(line),
);

test.each(FOLDERS.filter((folder) => folder !== 'src/api'))(
  'in %s, value imports of Node built-ins, I/O libraries, client, db and activity code fail lint; types, Luxon and the workflow SDK pass',
  (folder) => {
    expect(flagged.get(folder)).toEqual([...FORBIDDEN].sort());
  },
);

test('outside workflow code the same imports are allowed', () => {
  expect(flagged.get('src/api')).toEqual([]);
});
