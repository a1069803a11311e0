import { z } from 'zod';
import { LOG_FORMATS, LOG_LEVELS } from '../logging/root-logger';
import { isValidTimeOfDay, LEAP_DAY_POLICIES } from '../time/next-occurrence';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInteger = z.coerce.number().int().min(1);
const optionalUrl = z.url({ protocol: /^https?$/ }).optional();
/** `whsec_` and the base64 of at least 24 random bytes, as the Standard Webhooks specification has it. */
const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'a webhook secret is `whsec_` and base64 (openssl rand -base64 32)')
  .refine((secret) => Buffer.from(secret.slice(6), 'base64').length >= 24, 'a webhook secret needs 24+ random bytes');
const commaSeparated = (item: z.ZodString) =>
  z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    )
    .pipe(z.array(item).min(1, 'lists none'));
const apiKeyList = commaSeparated(
  z
    .string()
    .min(16, 'each API key needs at least 16 characters')
    .regex(/^[\x21-\x7e]+$/, 'an API key is visible ASCII characters, no spaces'),
);

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** A duration such as `90s`, `15m`, `24h` or `2d`, in milliseconds. */
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 90s, 15m, 24h or 2d')
  .transform((value) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(value)!;
    return Number(amount) * DURATION_UNITS_MS[unit as keyof typeof DURATION_UNITS_MS];
  });

/** Every setting of the service, read once from the environment. Nothing else reads `process.env`. */
const configSchema = z
  .object({
    /** Port of the REST API. */
    PORT: port.default(3000),
    /** Address the API and the local receiver listen on. */
    HOST: z.string().min(1).default('127.0.0.1'),
    /** Postgres to use; unset means the embedded Postgres started by `npm start`. */
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    /** Port of the embedded Postgres (only when DATABASE_URL is unset). */
    EMBEDDED_POSTGRES_PORT: port.default(54329),
    /**
     * host:port of a Temporal frontend; unset means the profile's (TEMPORAL_CONFIG_FILE), and without one `npm start`
     * runs the Temporal dev server.
     */
    TEMPORAL_ADDRESS: z
      .string()
      .regex(/^[^\s:]+:\d+$/, 'expected host:port')
      .optional(),
    /** Unset means the profile's, else `default` (src/temporal/connection-options.ts decides). */
    TEMPORAL_NAMESPACE: z.string().min(1).optional(),
    /**
     * A TOML file of Temporal client profiles, the format the `temporal` CLI and the SDKs share; the TEMPORAL_* settings
     * here override what its profile says.
     */
    TEMPORAL_CONFIG_FILE: z.string().min(1).optional(),
    /** The profile of TEMPORAL_CONFIG_FILE to use; `default` when unset. */
    TEMPORAL_PROFILE: z.string().min(1).optional(),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('yearly-greetings'),
    /** API key (Temporal Cloud); sent as a bearer token, and implies TLS unless TEMPORAL_TLS=off. */
    TEMPORAL_API_KEY: z.string().min(1).optional(),
    /** TLS to the frontend; unset means on when any TLS setting or the API key is given, off otherwise. */
    TEMPORAL_TLS: z
      .enum(['on', 'off', 'true', 'false', '1', '0'], 'expected on or off')
      .transform((value) => ['on', 'true', '1'].includes(value))
      .optional(),
    /** PEM client certificate and key for mTLS; one without the other is an error. */
    TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
    TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
    /** PEM CA that signed the server's certificate, when the system's roots do not trust it. */
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
    /** Name to check the server's certificate against (and SNI), when it differs from TEMPORAL_ADDRESS's host. */
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
    /** Ports of the dev server (only when TEMPORAL_ADDRESS is unset). */
    TEMPORAL_DEV_PORT: port.default(7233),
    TEMPORAL_UI_PORT: port.default(8233),
    /** A `temporal` CLI binary to use instead of one on PATH or one the project builds. */
    TEMPORAL_CLI_PATH: z.string().min(1).optional(),
    /** Where deliveries are POSTed; unset means the local receiver started by `npm start`. */
    WEBHOOK_URL: optionalUrl,
    /** Port of the local receiver (only when WEBHOOK_URL is unset). */
    WEBHOOK_RECEIVER_PORT: port.default(3001),
    /** How long one webhook call may take before it counts as a timeout and is retried. */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    /** How late a delivery may start (after an outage) and still be sent; later ones are recorded as missed. */
    MAX_DELIVERY_LATENESS: z.union([z.literal('none').transform(() => null), duration]).default(24 * 3_600_000),
    /**
     * After a delivery, a run hands over to next year's run (continue-as-new) at a moment spread over this window, so
     * hand-overs never add to the 09:00 rush. `0s`: at once.
     */
    HAND_OVER_WINDOW: duration.default(3 * 3_600_000),
    /** Activities that claim one due instant's rows side by side (spread over the workers polling the queue). */
    DISPATCH_PASSES: z.coerce.number().int().min(1).max(64).default(2),
    /** Rows one dispatch statement claims and POSTs at once. */
    DISPATCH_PAGE_SIZE: z.coerce.number().int().min(1).max(5_000).default(100),
    /** How often the worker's reconciler looks for users and workflows out of step. */
    RECONCILE_INTERVAL: duration.refine((ms) => ms > 0, 'must be longer than 0').default(60_000),
    /** How often the reconciler also compares every live user with every running workflow (a heavier pass). */
    RECONCILE_FULL_SWEEP_INTERVAL: duration.refine((ms) => ms > 0, 'must be longer than 0').default(3_600_000),
    /** Local time of day messages are due, `HH:mm` (seconds allowed: `HH:mm:ss`). */
    DELIVERY_TIME: z
      .string()
      .refine(isValidTimeOfDay, 'expected a time of day HH:mm (00:00 to 23:59), optionally :ss')
      .default('09:00'),
    /** The day Feb 29 birthdays are greeted in years without one. */
    LEAP_DAY_POLICY: z.enum(LEAP_DAY_POLICIES).default('feb28'),
    /** Folder for the one-command run's data (embedded Postgres, dev server database). */
    DATA_DIR: z.string().min(1).default('.data'),
    /** Lowest level that is logged. */
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    /** `json` (one object a line) or `pretty` (for people); unset: json, except pretty for `npm start`. */
    LOG_FORMAT: z.enum(LOG_FORMATS).optional(),
    /** Port of the worker process's `/metrics` (`npm run worker`); the API serves its own on PORT. */
    METRICS_PORT: port.default(9464),
    /**
     * host:port the Temporal SDK's own Prometheus exporter binds; each process's `/metrics` reads it from there.
     * Unset: 127.0.0.1:9465 for `npm run worker`, a free port for `npm start`.
     */
    TEMPORAL_SDK_METRICS_ADDRESS: z
      .string()
      .regex(/^[^\s:]+:\d+$/, 'expected host:port')
      .optional(),
    /**
     * API keys, comma-separated (several at once, to rotate); every request but /health, /ready and the docs must
     * send one as `Authorization: Bearer <key>`. `npm run api` refuses to start without; `npm start` makes one.
     */
    API_KEYS: apiKeyList.optional(),
    /**
     * Secrets every delivery is signed with (Standard Webhooks), comma-separated: two while rotating. `npm run worker`
     * refuses to start without; `npm start` makes one.
     */
    WEBHOOK_SECRET: commaSeparated(webhookSecret).optional(),
    /** Requests a second each API key may send (a burst of twice as many after a quiet spell); 0: no limit. */
    API_RATE_LIMIT: z.coerce.number().int().min(0).default(200),
    /** API: changes (create, update, pause, resume, delete) that may wait for Temporal at once... */
    API_MAX_CHANGES_IN_FLIGHT: positiveInteger.default(32),
    /** ...and how many more may queue for a place; past that a change is refused with 429 before it is saved. */
    API_MAX_CHANGES_WAITING: z.coerce.number().int().min(0).default(64),
    /**
     * ...and refused as well while more workflow tasks than this wait for a worker (a bulk create outrunning the
     * workers' planning, a rush): a new user's first plan would wait behind them. 0 turns the check off.
     */
    API_MAX_WORKFLOW_BACKLOG: z.coerce.number().int().min(0).default(100),
    /** Delivery attempts and plans one worker runs at once: local activities, and as many regular activities. */
    WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInteger.default(100),
    /** Workflow tasks one worker runs at once (at least 2, the SDK's floor while workflows are cached). */
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInteger.min(2).default(40),
    /**
     * Sticky cache: workflows a worker keeps in memory between tasks (0: none). Sized for the worker's 256 MB heap
     * (src/worker/node-flags.ts), at ~100 KB a run; below WORKER_MAX_CONCURRENT_WORKFLOW_TASKS the SDK lowers that to it.
     */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(100),
    /** After SIGTERM/SIGINT, how long in-flight activities may run before the worker cuts them short. */
    WORKER_SHUTDOWN_GRACE_TIME: duration.default(30_000),
  })
  .superRefine(checkTemporalSettings, { when: () => true });

const TLS_ONLY_SETTINGS = [
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
] as const;

/**
 * Settings that only make sense together. Runs even when other settings are bad (`when`), so every problem is named
 * at once; it looks at presence only, which holds whatever else failed.
 */
function checkTemporalSettings(env: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const given = (name: string) => env[name] !== undefined;
  const problem = (name: string, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
  if (given('TEMPORAL_TLS_CLIENT_CERT_PATH') !== given('TEMPORAL_TLS_CLIENT_KEY_PATH')) {
    const missing = given('TEMPORAL_TLS_CLIENT_CERT_PATH')
      ? 'TEMPORAL_TLS_CLIENT_KEY_PATH'
      : 'TEMPORAL_TLS_CLIENT_CERT_PATH';
    problem(missing, 'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together');
  }
  const tlsSettings = TLS_ONLY_SETTINGS.filter(given);
  if (env.TEMPORAL_TLS === false && tlsSettings.length > 0) {
    problem('TEMPORAL_TLS', `is off, but ${tlsSettings.join(', ')} need TLS`);
  }
  // A profile may hold the address; whether it does is known once the file is read (src/temporal/connection-options.ts).
  const connectionSettings = [...tlsSettings, 'TEMPORAL_API_KEY', 'TEMPORAL_TLS'].filter(given);
  if (!given('TEMPORAL_ADDRESS') && !given('TEMPORAL_CONFIG_FILE') && connectionSettings.length > 0) {
    problem(
      'TEMPORAL_ADDRESS',
      `must be set with ${connectionSettings.join(', ')} (the dev server npm start runs speaks plain gRPC)`,
    );
  }
  if (given('TEMPORAL_PROFILE') && !given('TEMPORAL_CONFIG_FILE')) {
    problem('TEMPORAL_CONFIG_FILE', 'must name the TOML file that holds TEMPORAL_PROFILE');
  }
}

export type Config = z.infer<typeof configSchema>;

/** The name of every setting, so a deployment's environment (docker-compose.yml) can be checked against it. */
export const SETTING_NAMES = Object.keys(configSchema.shape) as (keyof Config)[];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value fails start-up with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = configSchema.safeParse(blankAsUnset);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`invalid configuration in the environment:\n${problems.join('\n')}`);
}
