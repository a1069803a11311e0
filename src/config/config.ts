import { z } from 'zod';
import { isValidTimeOfDay, LEAP_DAY_POLICIES } from '../time/next-occurrence';

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z.url({ protocol: /^https?$/ }).optional();

/** Every setting of the service, read once from the environment. Nothing else reads `process.env`. */
const configSchema = z.object({
  /** Port of the REST API. */
  PORT: port.default(3000),
  /** Address the API and the local receiver listen on. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Postgres to use; unset means the embedded Postgres started by `npm start`. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Port of the embedded Postgres (only when DATABASE_URL is unset). */
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  /** host:port of a Temporal frontend; unset means `npm start` runs the Temporal dev server. */
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'expected host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('yearly-greetings'),
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
  /** Local time of day messages are due, `HH:mm` (seconds allowed: `HH:mm:ss`). */
  DELIVERY_TIME: z
    .string()
    .refine(isValidTimeOfDay, 'expected a time of day HH:mm (00:00 to 23:59), optionally :ss')
    .default('09:00'),
  /** The day Feb 29 birthdays are greeted in years without one. */
  LEAP_DAY_POLICY: z.enum(LEAP_DAY_POLICIES).default('feb28'),
  /** Folder for the one-command run's data (embedded Postgres, dev server database). */
  DATA_DIR: z.string().min(1).default('.data'),
});

export type Config = z.infer<typeof configSchema>;

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
