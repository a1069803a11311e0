import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, SETTING_NAMES, type Config } from '../../src/config/config';
import { requireSetting } from '../../src/config/require-setting';
import { temporalConnection } from '../../src/temporal/connection-options';
import { greetingSearchAttributes } from '../../src/workflows/definitions';
import {
  argumentsOf,
  dependenciesOf,
  environmentOf,
  loadComposeFile,
  mountsOf,
  publishedPorts,
  REQUIRED_STAND_INS,
  REQUIRED_VARIABLES,
  waitsFor,
  type ComposeService,
} from '../support/compose-file';
import { entryFileOf, projectRoot, readPackageJson, scriptRunBy } from '../support/package-scripts';

// Docker cannot run here, so docker-compose.yml is checked against what the app really reads: its config schema,
// the settings each entry point requires, package.json, the Dockerfile and the workflows' search attributes.

const compose = loadComposeFile(path.join(projectRoot, 'docker-compose.yml'));
const serviceNames = Object.keys(compose.services);

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${JSON.stringify(name)}`);
  return found;
}

/** The services built from the project's Dockerfile, each with the package.json script whose command it runs. */
const appServices = serviceNames
  .filter((name) => service(name).build !== undefined)
  .map((name) => ({ name, script: scriptRunBy(argumentsOf(service(name).command)) ?? '(no package.json script)' }));

function scriptOf(name: string): string | undefined {
  return appServices.find((app) => app.name === name)?.script;
}

function serviceRunning(script: string): string {
  const found = appServices.find((app) => app.script === script);
  if (!found) throw new Error(`no service runs the package.json script ${script}`);
  return found.name;
}

function appConfigOf(name: string): Config {
  return loadConfig(environmentOf(service(name)));
}

/** The settings an entry point refuses to run without: its `requireSetting(config, 'NAME')` calls. */
function requiredSettingsOf(script: string): string[] {
  const source = readFileSync(path.join(projectRoot, entryFileOf(script)), 'utf8');
  const requiredIn = (text: string) =>
    [...text.matchAll(/requireSetting\(config, '(\w+)'\)/g)].map((match) => match[1]!);
  const required = requiredIn(source);
  // openConnections(config, ...) requires what it requires itself (the database; the Temporal address is checked below).
  if (/openConnections\(config\b/.test(source)) {
    required.push(...requiredIn(readFileSync(path.join(projectRoot, 'src/process/connections.ts'), 'utf8')));
  }
  // src/db/migrate-cli.ts checks DATABASE_URL itself (its message shows an example) instead of calling requireSetting.
  return script === 'migrate' ? [...required, 'DATABASE_URL'] : required;
}

/** The setting each listening process takes its port from (src/api/main.ts, src/dev/receiver-main.ts). */
const LISTEN_PORT_SETTING: Record<string, 'PORT' | 'WEBHOOK_RECEIVER_PORT'> = {
  api: 'PORT',
  receiver: 'WEBHOOK_RECEIVER_PORT',
};

function listenPortOf(name: string): number | undefined {
  const setting = LISTEN_PORT_SETTING[scriptOf(name) ?? ''];
  return setting && appConfigOf(name)[setting];
}

// Ports the third-party images listen on inside their containers (their defaults).
const TEMPORAL_FRONTEND_PORT = 7233; // temporalio/server: FRONTEND_GRPC_PORT
const TEMPORAL_UI_PORT = 8080; // temporalio/ui: TEMPORAL_UI_PORT
const POSTGRES_PORT = 5432;

// The Temporal services the checks look at by name; the docs/docker-compose.md test keeps names and docs in step.
const TEMPORAL = 'temporal';
const TEMPORAL_SCHEMA = 'temporal-schema';
const TEMPORAL_SETUP = 'temporal-setup';
const TEMPORAL_UI = 'temporal-ui';

function imageOf(name: string): { repository: string; tag: string | undefined } {
  const image = service(name).image ?? '';
  const match = /^(.+?)(?::([^:/]+))?$/.exec(image);
  return { repository: match?.[1] ?? '', tag: match?.[2] };
}

test('docker-compose.yml has exactly the services docs/docker-compose.md describes', () => {
  const page = readFileSync(path.join(projectRoot, 'docs/docker-compose.md'), 'utf8');
  // | `service` | `image` or "this project" | role |
  const rows = [...page.matchAll(/^\| `([\w-]+)` \| ([^|]+) \|/gm)].map((match) => [match[1], match[2]!.trim()]);
  const imageColumn = (name: string) => (service(name).build ? 'this project' : `\`${service(name).image}\``);
  const inFile = serviceNames.map((name) => [name, imageColumn(name)]);
  expect(rows.sort()).toEqual(inFile.sort());
});

describe.each(serviceNames)('service %s', (name) => {
  const definition = service(name);

  test('runs an image with a version tag, never latest', () => {
    const { repository, tag } = imageOf(name);
    expect(repository).not.toBe('');
    expect(tag).not.toBe('latest');
    // A service built here tags its own image; every other image comes from a registry and must name a version.
    if (definition.build === undefined) expect(tag).toMatch(/\d/);
  });

  test('waits only for services that exist, with a condition each can meet', () => {
    for (const [target, condition] of Object.entries(dependenciesOf(definition))) {
      const waitedFor = service(target);
      expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
      if (condition === 'service_healthy') expect(waitedFor.healthcheck).toBeDefined();
      // A step others wait to see finish must not be restarted after it exits.
      if (condition === 'service_completed_successfully') expect(waitedFor.restart).toBe('no');
    }
  });

  test('is either a one-shot step or comes back after a crash or a restart of Docker', () => {
    expect(['no', 'unless-stopped']).toContain(definition.restart);
  });

  test('publishes its ports on 127.0.0.1 only', () => {
    for (const port of publishedPorts(definition)) expect(port.hostIp).toBe('127.0.0.1');
  });

  test('probes HTTP health on the port its process listens on', () => {
    const probe = argumentsOf(definition.healthcheck?.test).join(' ');
    for (const [, port] of probe.matchAll(/http:\/\/[^/:'"]+:(\d+)/g)) {
      expect(Number(port)).toBe(listenPortOf(name));
    }
  });

  test('mounts files that exist and volumes the file declares, and mounts every file it is told to read', () => {
    const mounts = mountsOf(definition);
    for (const { source } of mounts) {
      if (source.startsWith('.') || source.startsWith('/')) {
        expect({ source, exists: existsSync(path.resolve(projectRoot, source)) }).toEqual({ source, exists: true });
      } else {
        expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
    }
    const scriptsRun = argumentsOf(definition.entrypoint).filter((arg) => arg.startsWith('/setup/'));
    const configRead = environmentOf(definition).DYNAMIC_CONFIG_FILE_PATH;
    const targets = mounts.map((mount) => mount.target);
    for (const file of [...scriptsRun, ...(configRead ? [configRead] : [])]) expect(targets).toContain(file);
  });
});

test('every host port is published once', () => {
  const hostPorts = serviceNames.flatMap((name) => publishedPorts(service(name)).map((port) => port.host));
  expect(new Set(hostPorts).size).toBe(hostPorts.length);
});

test('the Postgres services keep data on named volumes where the image puts it, and are healthy once on TCP', () => {
  const postgresServices = serviceNames.filter((name) => imageOf(name).repository === 'postgres');
  expect(postgresServices.length).toBeGreaterThan(0);
  for (const name of postgresServices) {
    // Postgres 18+ images keep data in a versioned folder under /var/lib/postgresql; older ones in .../data.
    const major = Number(imageOf(name).tag?.split('.')[0]);
    const dataDir = major >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
    const data = mountsOf(service(name)).find((mount) => mount.target === dataDir);
    expect({ name, volume: data?.source }).toEqual({ name, volume: expect.stringMatching(/^[\w-]+$/) });
    // While the image initialises a new database, its temporary server listens on the Unix socket only.
    expect(argumentsOf(service(name).healthcheck?.test).join(' ')).toMatch(/pg_isready .*-h 127\.0\.0\.1/);
  }
});

test('builds the API, worker, migration and receiver from the project Dockerfile, each running its script', () => {
  expect(appServices.map((app) => app.script).sort()).toEqual(['api', 'migrate', 'receiver', 'worker']);
  const scripts = readPackageJson().scripts;
  for (const { name, script } of appServices) {
    expect(scripts).toHaveProperty([script]);
    const build = service(name).build!;
    const context = typeof build === 'string' ? build : (build.context ?? '.');
    const dockerfile = typeof build === 'string' ? 'Dockerfile' : (build.dockerfile ?? 'Dockerfile');
    expect(path.resolve(projectRoot, context, dockerfile)).toBe(path.join(projectRoot, 'Dockerfile'));
  }
  expect(existsSync(path.join(projectRoot, 'Dockerfile'))).toBe(true);
});

describe.each(appServices.map(({ name, script }) => [name, script]))('app service %s (script %s)', (name, script) => {
  test('is given only settings the config schema knows', () => {
    const settings: readonly string[] = SETTING_NAMES;
    const unknown = Object.keys(environmentOf(service(name))).filter((setting) => !settings.includes(setting));
    expect(unknown).toEqual([]);
  });

  test('is given values loadConfig accepts', () => {
    expect(() => appConfigOf(name)).not.toThrow();
  });

  test('is given every setting its entry point requires', () => {
    const required = requiredSettingsOf(script);
    const config = appConfigOf(name);
    for (const setting of required) expect(() => requireSetting(config, setting as keyof Config)).not.toThrow();
    if (script === 'api' || script === 'worker') {
      expect(required).toContain('DATABASE_URL');
      // Run on its own, a process needs an address for Temporal: here TEMPORAL_ADDRESS, as no profile file is given.
      expect(temporalConnection(config).options.address).toBe(config.TEMPORAL_ADDRESS);
    }
  });

  test('publishes exactly the port it listens on, and listens on every interface', () => {
    const listenPort = listenPortOf(name);
    const published = publishedPorts(service(name)).map((port) => port.container);
    expect(published).toEqual(listenPort === undefined ? [] : [listenPort]);
    // 127.0.0.1 inside a container cannot be reached through a published port.
    if (listenPort !== undefined) expect(appConfigOf(name).HOST).toBe('0.0.0.0');
  });
});

test('the API, the worker and the migration use the same database, Temporal, task queue and delivery rules', () => {
  const shared = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'DELIVERY_TIME'];
  const pick = (config: Config) => [...shared, 'LEAP_DAY_POLICY'].map((setting) => config[setting as keyof Config]);
  const api = appConfigOf(serviceRunning('api'));
  expect(pick(appConfigOf(serviceRunning('worker')))).toEqual(pick(api));
  expect(appConfigOf(serviceRunning('migrate')).DATABASE_URL).toBe(api.DATABASE_URL);
});

test('DATABASE_URL names the app Postgres service with its user, password and database, which starts first', () => {
  const clients = appServices.filter(({ name }) => appConfigOf(name).DATABASE_URL !== undefined);
  expect(clients.map((app) => app.script).sort()).toEqual(['api', 'migrate', 'worker']);
  for (const { name } of clients) {
    const { hostname, port, username, password, pathname } = new URL(appConfigOf(name).DATABASE_URL!);
    const postgres = environmentOf(service(hostname));
    expect(imageOf(hostname).repository).toBe('postgres');
    expect(Number(port || POSTGRES_PORT)).toBe(POSTGRES_PORT);
    expect({ username, password, database: pathname.slice(1) }).toEqual({
      username: postgres.POSTGRES_USER,
      password: postgres.POSTGRES_PASSWORD,
      database: postgres.POSTGRES_DB ?? postgres.POSTGRES_USER,
    });
    expect({ name, waitsForDatabase: waitsFor(compose, name, hostname) }).toEqual({ name, waitsForDatabase: true });
  }
  // The API and the worker do not migrate at start-up: they start once the migration step has finished.
  for (const script of ['api', 'worker']) {
    expect(dependenciesOf(service(serviceRunning(script)))[serviceRunning('migrate')]).toBe(
      'service_completed_successfully',
    );
  }
});

test('TEMPORAL_ADDRESS names the Temporal frontend everywhere, and the setup step prepares the app namespace', () => {
  const clients = serviceNames.filter((name) => environmentOf(service(name)).TEMPORAL_ADDRESS !== undefined);
  expect(clients).toEqual(
    expect.arrayContaining([serviceRunning('api'), serviceRunning('worker'), TEMPORAL_SETUP, TEMPORAL_UI]),
  );
  expect(imageOf(TEMPORAL).repository).toBe('temporalio/server');
  for (const name of clients) {
    const [host, port] = environmentOf(service(name)).TEMPORAL_ADDRESS!.split(':');
    expect({ name, host, port: Number(port) }).toEqual({ name, host: TEMPORAL, port: TEMPORAL_FRONTEND_PORT });
    expect({ name, waitsForTemporal: waitsFor(compose, name, TEMPORAL) }).toEqual({ name, waitsForTemporal: true });
  }
  expect(publishedPorts(service(TEMPORAL)).map((port) => port.container)).toEqual([TEMPORAL_FRONTEND_PORT]);
  expect(publishedPorts(service(TEMPORAL_UI)).map((port) => port.container)).toEqual([TEMPORAL_UI_PORT]);

  expect(environmentOf(service(TEMPORAL_SETUP)).TEMPORAL_NAMESPACE).toBe(
    appConfigOf(serviceRunning('api')).TEMPORAL_NAMESPACE,
  );
  // The app starts workflows only once their namespace and search attributes exist.
  for (const script of ['api', 'worker']) {
    expect(dependenciesOf(service(serviceRunning(script)))[TEMPORAL_SETUP]).toBe('service_completed_successfully');
  }
});

test('WEBHOOK_URL names the receiver service, on its port and delivery route, which starts before the worker', () => {
  const worker = serviceRunning('worker');
  const receiver = serviceRunning('receiver');
  const { hostname, port, pathname } = new URL(appConfigOf(worker).WEBHOOK_URL!);
  // `/deliveries` is the receiver's route (src/dev/webhook-receiver.ts).
  expect({ hostname, port: Number(port), pathname }).toEqual({
    hostname: receiver,
    port: appConfigOf(receiver).WEBHOOK_RECEIVER_PORT,
    pathname: '/deliveries',
  });
  expect(waitsFor(compose, worker, receiver)).toBe(true);
});

test('the Temporal server and its schema step use one Postgres, which the temporal-postgres service serves', () => {
  const server = environmentOf(service(TEMPORAL));
  const schemaStep = environmentOf(service(TEMPORAL_SCHEMA));
  const persistence = [
    'DB',
    'POSTGRES_SEEDS',
    'DB_PORT',
    'POSTGRES_USER',
    'POSTGRES_PWD',
    'DBNAME',
    'VISIBILITY_DBNAME',
  ];
  const pick = (env: Record<string, string>) => persistence.map((setting) => [setting, env[setting]]);
  expect(pick(schemaStep)).toEqual(pick(server));
  expect(server.DB).toBe('postgres12');

  const host = server.POSTGRES_SEEDS!;
  const database = environmentOf(service(host));
  expect(imageOf(host).repository).toBe('postgres');
  expect(Number(server.DB_PORT)).toBe(POSTGRES_PORT);
  expect({ user: server.POSTGRES_USER, password: server.POSTGRES_PWD }).toEqual({
    user: database.POSTGRES_USER,
    password: database.POSTGRES_PASSWORD,
  });
  expect(dependenciesOf(service(TEMPORAL_SCHEMA))[host]).toBe('service_healthy');
  expect(dependenciesOf(service(TEMPORAL))[TEMPORAL_SCHEMA]).toBe('service_completed_successfully');
  // admin-tools sets up the schema version the server of the same release expects.
  for (const name of [TEMPORAL_SCHEMA, TEMPORAL_SETUP]) {
    expect(imageOf(name)).toEqual({ repository: 'temporalio/admin-tools', tag: imageOf(TEMPORAL).tag });
  }
});

test('the setup step registers exactly the search attributes the workflows set, with their types', () => {
  const registered = argumentsOf(service(TEMPORAL_SETUP).command).map((attribute) => {
    const [name, type] = attribute.split('=');
    // The CLI's type names (Keyword, Datetime, KeywordList) against the SDK's (KEYWORD, DATETIME, KEYWORD_LIST).
    return `${name}=${type?.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
  });
  const expected = greetingSearchAttributes.map((key) => `${key.name}=${key.type}`);
  expect(registered.sort()).toEqual(expected.sort());
});

test('a deployment must set only the API keys and the webhook secret, and the processes that need them take them', () => {
  expect([...REQUIRED_VARIABLES].sort()).toEqual(['API_KEYS', 'WEBHOOK_SECRET']);
  expect(appConfigOf(serviceRunning('api')).API_KEYS).toEqual(['set-at-deploy-API_KEYS']);
  for (const script of ['worker', 'receiver']) {
    expect(environmentOf(service(serviceRunning(script))).WEBHOOK_SECRET).toBe(REQUIRED_STAND_INS.WEBHOOK_SECRET);
  }
  const page = readFileSync(path.join(projectRoot, 'docs/docker-compose.md'), 'utf8');
  expect(page).toMatch(/API_KEYS=<key>,<key>/);
  expect(page).toMatch(/WEBHOOK_SECRET=whsec_/);
});
