import { DateTime } from 'luxon';
import { localDate, zoneWithLocalHour } from './fixtures';

/** Helpers for the real dev server, where the due time is a matter of wall-clock seconds. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Polls `probe` until it returns a value (not undefined); fails naming `what` after `timeoutMs` of real time. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * A person born today in a zone where it is noon now, and the DELIVERY_TIME that makes their greeting due
 * `secondsAhead` seconds from now: a workflow that delivers within a test, on a server whose clock cannot be skipped.
 */
export function personDueInSeconds(secondsAhead: number) {
  const nowMs = Date.now();
  const timezone = zoneWithLocalHour(nowMs, 12);
  const deliveryTime = DateTime.fromMillis(nowMs + secondsAhead * 1000, { zone: timezone }).toFormat('HH:mm:ss');
  const person = { firstName: 'Ada', lastName: 'Lovelace', birthday: `1990-${localDate(nowMs, timezone).slice(5)}`, timezone };
  return { person, deliveryTime };
}
