import { MIN_CASES, problemsOf, runSchemathesis } from '../../scripts/fuzz/schemathesis';

/**
 * `npm run fuzz:api` inside the suite: schemathesis (an outside fuzzer, PyPI) drives every operation of
 * /openapi.json on the service as `npm start` runs it, with all its checks and stateful links. Its own reports are
 * the judge: at least MIN_CASES cases, no failed check (no 5xx, no answer outside the documented statuses, schemas,
 * content types and headers), no error.
 */
test(`schemathesis sends at least ${MIN_CASES} cases to every operation and finds no server error and no answer that breaks the document`, async () => {
  // npm start finds the temporal CLI the test setup installed.
  process.env.TEMPORAL_CLI_PATH = process.env.TEST_TEMPORAL_CLI;
  let output = '';
  const result = await runSchemathesis({ maxExamples: 20, extraArgs: [], print: (text) => (output += text) });

  // On failure the diff shows schemathesis' own account (failures come before its summary at the end).
  expect({
    problems: problemsOf(result),
    output: problemsOf(result).length === 0 ? '' : output.slice(-20_000),
  }).toEqual({ problems: [], output: '' });
  expect(result.cases).toBeGreaterThanOrEqual(MIN_CASES);
}, 420_000);
