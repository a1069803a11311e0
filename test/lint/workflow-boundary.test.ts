import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../support/package-scripts';
import { runProcess } from '../support/run-process';

// The lint rule that keeps workflow code deterministic (eslint.config.mjs): a bad import in a workflow, or in a pure
// module that workflows import, fails `npm run lint` instead of a worker at start-up. Probe files with every kind of
// import are linted where workflow code lives and where it does not. The same run checks the rule that keeps imports
// going one way between folders (no upward imports into the workflow, API, activities or worker, none from metrics
// into the API, bench and chaos only through the tools' entry).

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

const FOLDERS = ['src/workflows', 'src/domain', 'src/greetings', 'src/time', 'src/api'];
const BOUNDARY_RULES = ['@typescript-eslint/no-restricted-imports', 'import-x/no-nodejs-modules'];

const LAYER_RULE = 'import-x/no-restricted-paths';
const UPWARD = [
  "import type * as workflow from '../workflows/definitions';",
  "import type * as api from '../api/app';",
  "import type * as activities from '../activities';",
  "import type * as worker from '../worker/create-worker';",
];
const THROUGH_TOOLS_ENTRY = {
  forbidden: ["import type * as cli from '../scripts/tools/temporal-cli';"],
  allowed: [
    "import type * as tools from '../scripts/tools';",
    "import type * as dev from '../scripts/dev/embedded-postgres';",
  ],
};
/** Per folder, imports that go the wrong way (each must be flagged) and neighbours it may use (none may be). */
const LAYER_CASES = [
  ...['src/domain', 'src/time', 'src/greetings', 'src/db'].map((folder) => ({
    folder,
    forbidden: UPWARD,
    allowed: ["import type * as domain from '../domain/schedule-state';"],
  })),
  {
    folder: 'src/metrics',
    forbidden: ["import type * as api from '../api/app';"],
    allowed: ["import type * as http from '../http/http-server';"],
  },
  { folder: 'bench', ...THROUGH_TOOLS_ENTRY },
  { folder: 'chaos', ...THROUGH_TOOLS_ENTRY },
];

interface Probe {
  key: string;
  folder: string;
  text: string;
  rules: string[];
}

const PROBES: Probe[] = [
  ...FOLDERS.map((folder) => ({ key: folder, folder, text: PROBE, rules: BOUNDARY_RULES })),
  ...LAYER_CASES.map(({ folder, forbidden, allowed }) => ({
    key: `layers ${folder}`,
    folder,
    text: [...forbidden, ...allowed, ''].join('\n'),
    rules: [LAYER_RULE],
  })),
];

/** For each probe, the import lines ESLint flags with the probe's rules. */
const flagged = new Map<string, string[]>();

beforeAll(async () => {
  const files = PROBES.map((probe) => ({
    probe,
    file: path.join(projectRoot, probe.folder, `lint-probe-${randomUUID()}.ts`),
  }));
  try {
    await Promise.all(files.map(({ probe, file }) => writeFile(file, probe.text)));
    // One run for every probe: building the typed program is most of the time.
    const result = await runProcess(
      process.execPath,
      ['node_modules/eslint/bin/eslint.js', '--format', 'json', ...files.map(({ file }) => file)],
      { timeoutMs: 120_000 },
    );
    const reports = JSON.parse(result.stdout) as {
      filePath: string;
      messages: { ruleId: string | null; line: number }[];
    }[];
    for (const { probe, file } of files) {
      const lines = probe.text.split('\n');
      const messages = reports.find((report) => report.filePath === file)?.messages ?? [];
      const hits = messages.filter((message) => probe.rules.includes(message.ruleId ?? ''));
      flagged.set(probe.key, [...new Set(hits.map((message) => lines[message.line - 1]!))].sort());
    }
  } finally {
    await Promise.all(files.map(({ file }) => rm(file, { force: true })));
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

test.each(LAYER_CASES.map((layerCase) => [layerCase.folder, layerCase] as const))(
  'in %s, imports that go the wrong way between folders fail lint, even of types; its allowed neighbours pass',
  (folder, { forbidden }) => {
    expect(flagged.get(`layers ${folder}`)).toEqual([...forbidden].sort());
  },
);
