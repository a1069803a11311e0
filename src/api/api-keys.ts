import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * The API keys this process accepts (several at once, so a key can be rotated: add the new one, move the clients,
 * remove the old). Kept as SHA-256 digests and compared in constant time against every key, so neither the time an
 * answer takes nor its length says how much of a guess was right.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('at least one API key is needed');
    this.digests = keys.map(digest);
  }

  /** Which key it is (its place in the list, never the key itself), or null: what a per-key rate limit counts by. */
  match(presented: string): number | null {
    const candidate = digest(presented);
    let found: number | null = null;
    this.digests.forEach((known, index) => {
      if (timingSafeEqual(known, candidate)) found = index;
    });
    return found;
  }
}
