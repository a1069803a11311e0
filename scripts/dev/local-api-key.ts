import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * `npm start`'s API key when API_KEYS is unset: made once, kept in DATA_DIR/api-key (readable by its owner only), the
 * same on every start so scripts and the README's curl keep working.
 */
export async function localApiKey(dataDir: string): Promise<{ key: string; file: string }> {
  const file = path.join(dataDir, 'api-key');
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept !== '') return { key: kept, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = `yg_${randomBytes(24).toString('base64url')}`;
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, file };
}
