import { WORKER_NODE_FLAGS } from '../../src/worker/node-flags';
import { compiledCommandOf, nodeFlagsOf } from '../support/package-scripts';

// npm start's worker process takes its flags from WORKER_NODE_FLAGS (test/e2e/one-command-processes.test.ts);
// `npm run worker` and the worker container (test/deploy/dockerfile.unit.test.ts) must start node with the same ones.
test('npm run worker starts node with the worker node flags, and so does the worker container', () => {
  expect(nodeFlagsOf('worker')).toEqual(WORKER_NODE_FLAGS);
  expect(compiledCommandOf('worker')).toEqual(['node', ...WORKER_NODE_FLAGS, 'dist/src/worker/main.js']);
});

test('the API, the migration and the receiver start node without flags', () => {
  for (const script of ['api', 'migrate', 'receiver']) expect(nodeFlagsOf(script)).toEqual([]);
});
