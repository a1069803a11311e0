import { DateTime } from 'luxon';

/** Zones the bench's users live in: a fixed list across offsets, DST rules and both hemispheres. */
export const BENCH_ZONES = [
  'Europe/London',
  'Europe/Paris',
  'America/New_York',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
  'Africa/Lagos',
  'UTC',
];

/** A birthday in 1990 on day `index * 7919 mod 365` of the year: spread evenly over the year, reproducibly. */
export function spreadBirthday(index: number): string {
  return DateTime.fromISO('1990-01-01', { zone: 'UTC' })
    .plus({ days: (index * 7919) % 365 })
    .toISODate()!;
}

export function spreadZone(index: number): string {
  return BENCH_ZONES[(index * 31) % BENCH_ZONES.length]!;
}
