import { DateTime } from 'luxon';
import { zoneWithLocalHour } from '../test/support/fixtures';

/** One instant every bench user is due at: a zone, the worker's DELIVERY_TIME there, and the birthday to give them. */
export interface DuePlan {
  timezone: string;
  /** DELIVERY_TIME for the worker, `HH:mm:ss` (the setting takes seconds). */
  deliveryTime: string;
  dueMs: number;
  /** `1990-MM-DD`: the local date of the due instant in `timezone`. */
  birthday: string;
  /** A birthday tomorrow in the same zone (a user created during the rush, not due today). */
  birthdayTomorrow: string;
}

const BIRTH_YEAR = 1990;

function plan(timezone: string, dueMs: number): DuePlan {
  const due = DateTime.fromMillis(dueMs, { zone: timezone });
  return {
    timezone,
    deliveryTime: due.toFormat('HH:mm:ss'),
    dueMs,
    birthday: due.set({ year: BIRTH_YEAR }).toISODate()!,
    birthdayTomorrow: due.plus({ days: 1 }).set({ year: BIRTH_YEAR }).toISODate()!,
  };
}

/**
 * When the bench starts the stack it owns DELIVERY_TIME: due `leadMs` from now (to the whole second) in a zone where
 * it is about noon now, so the due instant is on today's local date there whatever the lead (up to ~11 h).
 */
export function dueAfter(nowMs: number, leadMs: number): DuePlan {
  const dueMs = Math.ceil((nowMs + leadMs) / 1000) * 1000;
  return plan(zoneWithLocalHour(nowMs, 12), dueMs);
}

/**
 * Against a running stack the worker's DELIVERY_TIME is given: the zone (a whole-hour offset) where that time of day
 * comes soonest, at least `leadMs` from now, on the local date it is then.
 */
export function dueAtFixedTime(nowMs: number, deliveryTime: string, leadMs: number): DuePlan {
  const [hour = 0, minute = 0, second = 0] = deliveryTime.split(':').map(Number);
  let best: DuePlan | undefined;
  for (let offset = -12; offset <= 14; offset++) {
    const timezone = offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
    const local = DateTime.fromMillis(nowMs, { zone: timezone });
    for (const day of [0, 1]) {
      const due = local.plus({ days: day }).set({ hour, minute, second, millisecond: 0 });
      if (due.toMillis() < nowMs + leadMs) continue;
      if (!best || due.toMillis() < best.dueMs) best = plan(timezone, due.toMillis());
      break;
    }
  }
  return best!;
}
