import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface LocalSecret {
  value: string;
  file: string;
}

/**
 * `npm start`'s API key when API_KEYS is unset: made once, kept in DATA_DIR/api-key, the same on every start so
 * scripts and the README's curl keep working.
 */
export function localApiKey(dataDir: string): Promise<LocalSecret> {
  return keptSecret(path.join(dataDir, 'api-key'), () => `yg_${randomBytes(24).toString('base64url')}`);
}

/** `npm start`'s webhook signing secret when WEBHOOK_SECRET is unset: made once, kept in DATA_DIR/webhook-secret. */
export function localWebhookSecret(dataDir: string): Promise<LocalSecret> {
  return keptSecret(path.join(dataDir, 'webhook-secret'), () => `whsec_${randomBytes(32).toString('base64')}`);
}

/** The secret kept in `file` (readable by its owner only), made by `make` the first time. */
async function keptSecret(file: string, make: () => string): Promise<LocalSecret> {
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept !== '') return { value: kept, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const value = make();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  return { value, file };
}
