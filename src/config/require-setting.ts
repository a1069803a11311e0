import { ConfigError } from './config';

/** A setting that is optional for `npm start` (it starts its own) but required when a process runs alone. */
export function requireSetting<C, K extends keyof C & string>(config: C, name: K): NonNullable<C[K]> {
  const value = config[name];
  if (value === undefined || value === null) {
    throw new ConfigError(`${name} must be set when this process runs on its own (npm start sets it for you)`);
  }
  return value;
}
