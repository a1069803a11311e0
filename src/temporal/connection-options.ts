import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ConfigDataSource,
} from '@temporalio/envconfig';
import { ConfigError, type Config } from '../config/config';

/** What both `Connection.connect` (client) and `NativeConnection.connect` (worker) accept. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export interface TemporalConnection {
  options: TemporalConnectionOptions;
  namespace: string;
}

type TemporalSettings = Pick<
  Config,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_API_KEY'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CLIENT_CERT_PATH'
  | 'TEMPORAL_TLS_CLIENT_KEY_PATH'
  | 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_CONFIG_FILE'
  | 'TEMPORAL_PROFILE'
>;

const DEFAULT_NAMESPACE = 'default';

/**
 * Where Temporal is and which namespace to use, from the settings and the profile, before any certificate is read:
 * `npm start` runs its dev server when no address is configured.
 */
export function configuredTemporal(settings: TemporalSettings): { address?: string; namespace: string } {
  const profile = loadProfile(settings);
  return { address: profile.address, namespace: profile.namespace ?? DEFAULT_NAMESPACE };
}

/**
 * How every process reaches Temporal: the address, TLS (mTLS with a client certificate, a private CA, a server name)
 * and the API key, with the SDK's rules (@temporalio/envconfig): the TEMPORAL_* settings over the TOML profile of
 * TEMPORAL_CONFIG_FILE, TLS on with any TLS setting or an API key unless TEMPORAL_TLS is off. Certificate files are
 * read here, at start-up, so a wrong path stops the process before it serves anything. `devServerAddress` is used
 * when nothing names an address: the dev server `npm start` runs, which speaks plain gRPC.
 */
export function temporalConnection(settings: TemporalSettings, devServerAddress?: string): TemporalConnection {
  const profile = loadProfile(settings);
  const namespace = profile.namespace ?? DEFAULT_NAMESPACE;
  if (profile.address)
    return { namespace, options: connectionOptions(withFilesRead(profile, settings), profile.address) };
  if (devServerAddress === undefined) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS (or an address in the TEMPORAL_CONFIG_FILE profile) must be set when this process runs on its own (npm start sets it for you)',
    );
  }
  if (profile.apiKey !== undefined || profile.tls !== undefined) {
    throw new ConfigError(`the profile of ${settings.TEMPORAL_CONFIG_FILE} sets TLS or an API key but no address`);
  }
  return { namespace, options: { address: devServerAddress } };
}

/** The profile of the TOML file, if one is named, with the TEMPORAL_* settings applied over it. */
function loadProfile(settings: TemporalSettings): ClientConfigProfile {
  const file = settings.TEMPORAL_CONFIG_FILE;
  try {
    return loadClientConfigProfile({
      profile: settings.TEMPORAL_PROFILE,
      // Read here rather than by the SDK, which takes a missing file for an empty one.
      ...(file ? { configSource: { data: readSettingFile('TEMPORAL_CONFIG_FILE', file) } } : { disableFile: true }),
      // The validated settings, not process.env: src/config/config.ts is the one reader of the environment.
      overrideEnvVars: sdkEnvironment(settings),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`TEMPORAL_CONFIG_FILE ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The settings under the names and in the form the SDK's loader reads them (TEMPORAL_TLS as true/false). */
function sdkEnvironment(settings: TemporalSettings): Record<string, string> {
  const environment: Record<string, string | undefined> = {
    TEMPORAL_ADDRESS: settings.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: settings.TEMPORAL_NAMESPACE,
    TEMPORAL_API_KEY: settings.TEMPORAL_API_KEY,
    TEMPORAL_TLS: settings.TEMPORAL_TLS === undefined ? undefined : String(settings.TEMPORAL_TLS),
    TEMPORAL_TLS_CLIENT_CERT_PATH: settings.TEMPORAL_TLS_CLIENT_CERT_PATH,
    TEMPORAL_TLS_CLIENT_KEY_PATH: settings.TEMPORAL_TLS_CLIENT_KEY_PATH,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: settings.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
    TEMPORAL_TLS_SERVER_NAME: settings.TEMPORAL_TLS_SERVER_NAME,
  };
  return Object.fromEntries(
    Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The profile with every TLS file it names read, each failure naming where the path came from. */
function withFilesRead(profile: ClientConfigProfile, settings: TemporalSettings): ClientConfigProfile {
  const tls = profile.tls;
  if (!tls) return profile;
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    throw new ConfigError(
      `the profile of ${settings.TEMPORAL_CONFIG_FILE} has a TLS client certificate or key without the other`,
    );
  }
  // A path from the environment overrides the profile's, so a set setting is where the path came from.
  const origin = (setting: keyof TemporalSettings, tomlKey: string) =>
    settings[setting] !== undefined ? setting : `${tomlKey} in ${settings.TEMPORAL_CONFIG_FILE}`;
  return {
    ...profile,
    tls: {
      ...tls,
      clientCert: read(tls.clientCert, origin('TEMPORAL_TLS_CLIENT_CERT_PATH', 'tls.client_cert_path')),
      clientKey: read(tls.clientKey, origin('TEMPORAL_TLS_CLIENT_KEY_PATH', 'tls.client_key_path')),
      serverCACert: read(tls.serverCACert, origin('TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'tls.server_ca_cert_path')),
    },
  };
}

function read(source: ConfigDataSource | undefined, origin: string): ConfigDataSource | undefined {
  return source && 'path' in source ? { data: readSettingFile(origin, source.path) } : source;
}

/** The SDK's connection options for a profile whose files are read, without the options it leaves unset. */
function connectionOptions(profile: ClientConfigProfile, address: string): TemporalConnectionOptions {
  const { apiKey, tls } = toClientOptions(profile).connectionOptions;
  return {
    address,
    ...(apiKey !== undefined && { apiKey }),
    // `false` stays: the SDK turns TLS on by itself when an API key comes without a TLS setting.
    ...(tls !== undefined && tls !== null && { tls: typeof tls === 'object' ? definedTls(tls) : tls }),
    ...(profile.grpcMeta && { metadata: profile.grpcMeta }),
  };
}

/** TLS options without unset fields; none left means TLS with the system's roots. */
function definedTls(tls: TLSConfig): TLSConfig | true {
  const defined = Object.fromEntries(Object.entries(tls).filter(([, value]) => value !== undefined)) as TLSConfig;
  return Object.keys(defined).length > 0 ? defined : true;
}

function readSettingFile(origin: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${origin}: cannot read ${path}: ${reason}`);
  }
}
