import path from 'node:path';
import { TEMPORAL_SERVER_VERSION } from '../../scripts/tools/temporal-server';
import { loadComposeFile } from '../support/compose-file';
import { projectRoot } from '../support/package-scripts';

const compose = loadComposeFile(path.join(projectRoot, 'docker-compose.yml'));

test('builds the Temporal server version docker-compose.yml runs, whose admin-tools set up its schema', () => {
  const tags = Object.values(compose.services)
    .map((service) => /^temporalio\/(server|admin-tools):(.+)$/.exec(service.image ?? ''))
    .filter((match) => match !== null)
    .map((match) => `${match[1]}:${match[2]}`);
  expect(tags).toContain(`server:${TEMPORAL_SERVER_VERSION}`);
  expect(new Set(tags)).toEqual(
    new Set([`server:${TEMPORAL_SERVER_VERSION}`, `admin-tools:${TEMPORAL_SERVER_VERSION}`]),
  );
});
