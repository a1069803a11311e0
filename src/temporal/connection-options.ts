import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError, type Config } from '../config/config';
import { requireSetting } from '../config/require-setting';

/** What both `Connection.connect` (client) and `NativeConnection.connect` (worker) accept. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | true;
  apiKey?: string;
}

type TemporalSettings = Pick<
  Config,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_API_KEY'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CLIENT_CERT_PATH'
  | 'TEMPORAL_TLS_CLIENT_KEY_PATH'
  | 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'
  | 'TEMPORAL_TLS_SERVER_NAME'
>;

/**
 * How every process reaches Temporal: the address, TLS (mTLS with a client certificate, a private CA, a server name)
 * and the API key, from the settings. Certificate files are read here, at start-up, so a wrong path stops the process
 * before it serves anything. `address` replaces TEMPORAL_ADDRESS for the dev server `npm start` runs.
 */
export function temporalConnectionOptions(
  settings: TemporalSettings,
  address: string = requireSetting(settings, 'TEMPORAL_ADDRESS'),
): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address };
  if (settings.TEMPORAL_API_KEY) options.apiKey = settings.TEMPORAL_API_KEY;
  const tls: TLSConfig = {};
  if (settings.TEMPORAL_TLS_CLIENT_CERT_PATH && settings.TEMPORAL_TLS_CLIENT_KEY_PATH) {
    tls.clientCertPair = {
      crt: readSettingFile('TEMPORAL_TLS_CLIENT_CERT_PATH', settings.TEMPORAL_TLS_CLIENT_CERT_PATH),
      key: readSettingFile('TEMPORAL_TLS_CLIENT_KEY_PATH', settings.TEMPORAL_TLS_CLIENT_KEY_PATH),
    };
  }
  if (settings.TEMPORAL_TLS_SERVER_CA_CERT_PATH) {
    tls.serverRootCACertificate = readSettingFile('TEMPORAL_TLS_SERVER_CA_CERT_PATH', settings.TEMPORAL_TLS_SERVER_CA_CERT_PATH);
  }
  if (settings.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = settings.TEMPORAL_TLS_SERVER_NAME;

  // An API key goes over TLS unless TLS is turned off on purpose (e.g. a local proxy that adds it).
  const tlsOn = settings.TEMPORAL_TLS ?? (Object.keys(tls).length > 0 || options.apiKey !== undefined);
  if (tlsOn) options.tls = Object.keys(tls).length > 0 ? tls : true;
  return options;
}

function readSettingFile(setting: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${setting}: cannot read ${path}: ${reason}`);
  }
}
