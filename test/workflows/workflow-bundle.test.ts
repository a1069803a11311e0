import { readFile } from 'node:fs/promises';

// The SDK's reused V8 context keeps one module cache per workflow: every module the bundle imports is instantiated
// again for each run in the sticky cache and for each replay. Heavy modules there cost memory and CPU per run.

test('the workflow bundle carries no Luxon and no time-zone list', async () => {
  const bundle = await readFile(process.env.TEST_WORKFLOW_BUNDLE!, 'utf8');
  const modules = [...bundle.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((match) => match[1]);
  expect(modules).toContain('./src/workflows/yearly-greeting.ts');
  expect(modules.filter((id) => /luxon|iana-zone-names|time-zone-name|next-occurrence/.test(id!))).toEqual([]);
});
