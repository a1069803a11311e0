import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

// Reads docker-compose.yml the way Docker Compose would, for the parts the deployment tests look at. Docker cannot
// run on the project's machines, so the file is checked by reading it, not by starting it.

type Scalar = string | number | boolean | null;

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, Scalar> | string[];
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  volumes?: (string | { type?: string; source?: string; target: string })[];
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export interface PublishedPort {
  hostIp: string | undefined;
  host: number;
  container: number;
}

export interface Mount {
  source: string;
  target: string;
}

/** The compose file with YAML merge keys (`<<: *anchor`) applied and `${VAR:-default}` resolved to its default. */
export function loadComposeFile(file: string): ComposeFile {
  const document: unknown = parse(readFileSync(file, 'utf8'), { merge: true });
  return interpolate(document) as ComposeFile;
}

/** The variables docker-compose.yml requires (`${NAME:?why}`): compose refuses to start until they are set. */
export const REQUIRED_VARIABLES = new Set<string>();

/** What a required variable stands in as, a value of the form its setting takes. */
export const REQUIRED_STAND_INS: Record<string, string> = {
  API_KEYS: 'set-at-deploy-API_KEYS',
  WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
};

// As on a machine where none of the variables is set: `docker compose up` must work with nothing exported but the
// required ones (the API's keys, the webhook secret), which stand in as REQUIRED_STAND_INS has them.
function interpolate(value: unknown): unknown {
  if (typeof value === 'string') return interpolateString(value);
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item)]));
  }
  return value;
}

function interpolateString(text: string): string {
  return text.replace(/\$\$|\$\{([^}]*)\}|\$([A-Za-z_]\w*)/g, (match, braced: string | undefined) => {
    if (match === '$$') return '$';
    const required = braced === undefined ? null : /^([A-Za-z_]\w*):?\?.*$/s.exec(braced);
    if (required) {
      REQUIRED_VARIABLES.add(required[1]!);
      return REQUIRED_STAND_INS[required[1]!] ?? `set-at-deploy-${required[1]}`;
    }
    const withDefault = braced === undefined ? null : /^[A-Za-z_]\w*:?-(.*)$/s.exec(braced);
    if (!withDefault) throw new Error(`${match} has no default: docker compose up would need it exported`);
    return withDefault[1]!;
  });
}

/** The service's environment as the process sees it: every value a string. */
export function environmentOf(service: ComposeService): Record<string, string> {
  const { environment } = service;
  if (!environment) return {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const separator = entry.indexOf('=');
        return separator < 0 ? [entry, ''] : [entry.slice(0, separator), entry.slice(separator + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, value === null ? '' : String(value)]),
  );
}

/** `command` or `entrypoint` as an argument list. */
export function argumentsOf(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.trim().split(/\s+/);
}

export function publishedPorts(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return { hostIp: port.host_ip, host: Number(port.published ?? port.target), container: port.target };
    }
    // [host_ip:]host:container[/protocol]
    const parts = port.replace(/\/\w+$/, '').split(':');
    const container = Number(parts.pop());
    const host = Number(parts.pop() ?? container);
    return { hostIp: parts.pop(), host, container };
  });
}

/** Each service this one waits for, with the condition (`service_started` when none is given). */
export function dependenciesOf(service: ComposeService): Record<string, string> {
  const { depends_on: dependsOn } = service;
  if (!dependsOn) return {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, 'service_started']));
  return Object.fromEntries(
    Object.entries(dependsOn).map(([name, options]) => [name, options.condition ?? 'service_started']),
  );
}

/** Whether `from` starts only after `to`, directly or through services in between. */
export function waitsFor(compose: ComposeFile, from: string, to: string, seen = new Set<string>()): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  const service = compose.services[from];
  if (!service) return false;
  return Object.keys(dependenciesOf(service)).some((name) => name === to || waitsFor(compose, name, to, seen));
}

export function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume === 'object') return { source: volume.source ?? '', target: volume.target };
    const [source = '', target = ''] = volume.split(':');
    return { source, target };
  });
}
