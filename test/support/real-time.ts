import { DateTime } from 'luxon';
import { localDate, zoneWithLocalHour } from './fixtures';

/** Helpers for tests on the real dev server, where time passes for real and visibility catches up a moment later. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Polls `probe` until it gives a value, or fails naming `what` after the timeout. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * A person born today in a zone where it is noon, and the delivery time (`DELIVERY_TIME`) that falls `secondsAhead`
 * from now there: their greeting is due in that many seconds.
 */
export function dueSoon(secondsAhead: number, firstName = 'Ada') {
  const nowMs = Date.now();
  const timezone = zoneWithLocalHour(nowMs, 12);
  const deliveryTime = DateTime.fromMillis(nowMs + secondsAhead * 1000, { zone: timezone }).toFormat('HH:mm:ss');
  const person = { firstName, lastName: 'Lovelace', birthday: `1990-${localDate(nowMs, timezone).slice(5)}`, timezone };
  return { person, deliveryTime };
}

export type DueSoon = ReturnType<typeof dueSoon>;
