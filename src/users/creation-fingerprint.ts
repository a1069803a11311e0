import { createHash } from 'node:crypto';
import type { UserFields } from '../db/users';

/**
 * What identifies a create's request for its Idempotency-Key: the SHA-256 (hex) of its fields as validated (trimmed
 * names, IANA's spelling of the zone), so a retry that sends the same user matches whatever its whitespace.
 */
export function creationFingerprint(fields: UserFields): string {
  const canonical: unknown[] = [
    fields.firstName,
    fields.lastName,
    fields.birthday,
    fields.timezone,
    fields.email ?? null,
  ];
  // Only when given, so that the keys of creates made before the field existed still match their fingerprints.
  if (fields.externalId) canonical.push(fields.externalId);
  if (fields.anniversary) canonical.push({ anniversary: fields.anniversary });
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
