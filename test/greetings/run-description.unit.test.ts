import {
  delayedStartDetails,
  deliverySummary,
  localDueTime,
  runDetails,
  sleepSummary,
} from '../../src/greetings/run-description';
import { nextOccurrence } from '../../src/time/next-occurrence';

const kolkata = nextOccurrence({
  date: '1990-03-14',
  timezone: 'Asia/Kolkata',
  deliveryTime: '09:00',
  nowMs: Date.parse('2027-01-01T00:00:00Z'),
});

test('the timer summary names the local wall-clock time and the zone', () => {
  expect(sleepSummary(kolkata, 'Asia/Kolkata')).toBe('sleep until 2027-03-14 09:00 Asia/Kolkata');
});

test('a delivery time with seconds keeps them in the local time shown', () => {
  const withSeconds = nextOccurrence({
    date: '1990-03-14',
    timezone: 'Asia/Kathmandu',
    deliveryTime: '09:00:30',
    nowMs: Date.parse('2027-01-01T00:00:00Z'),
  });
  expect(localDueTime(withSeconds, 'Asia/Kathmandu')).toBe('2027-03-14 09:00:30 Asia/Kathmandu');
});

test('activity summaries say which year is delivered, and when it is a re-drive', () => {
  expect(deliverySummary('birthday', 2027)).toBe('deliver birthday 2027');
  expect(deliverySummary('birthday', 2026, true)).toBe('re-deliver birthday 2026');
});

test('details show whose run, the year, the local and UTC instants and the stage', () => {
  const details = runDetails({
    userId: 'u-1',
    eventType: 'birthday',
    timezone: 'Asia/Kolkata',
    stage: 'sleeping',
    next: kolkata,
  });
  expect(details.split('\n')).toEqual([
    '**birthday greetings for user u-1**',
    '',
    '| | |',
    '| --- | --- |',
    '| Year | 2027 |',
    '| Due (local) | 2027-03-14 09:00 Asia/Kolkata |',
    '| Due (UTC) | 2027-03-14T03:30:00.000Z |',
    '| Stage | sleeping |',
  ]);
});

test('before the first plan the details show only whose run and the stage', () => {
  const details = runDetails({ userId: 'u-1', eventType: 'birthday', timezone: 'Asia/Kolkata', stage: 'planning' });
  expect(details).not.toContain('Year');
  expect(details).toContain('| Stage | planning |');
});

test('a run in its start delay shows the plan it started with and when it wakes', () => {
  const details = delayedStartDetails(kolkata, 'Asia/Kolkata', new Date('2027-03-14T02:00:00.000Z'));
  expect(details).toContain('| Year | 2027 |');
  expect(details).toContain('| Due (local) | 2027-03-14 09:00 Asia/Kolkata |');
  expect(details).toContain('| Due (UTC) | 2027-03-14T03:30:00.000Z |');
  expect(details).toContain('| Wakes at | 2027-03-14T02:00:00.000Z |');
});
