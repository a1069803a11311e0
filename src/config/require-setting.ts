import type { Config } from './config';
import { ConfigError } from './config';

/** A setting that is optional for `npm start` (it starts its own) but required when a process runs alone. */
export function requireSetting<K extends keyof Config>(config: Config, name: K): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined || value === null) {
    throw new ConfigError(`${String(name)} must be set when this process runs on its own (npm start sets it for you)`);
  }
  return value as NonNullable<Config[K]>;
}
