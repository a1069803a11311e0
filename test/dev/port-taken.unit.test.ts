import { lostAPortItPicked } from '../../scripts/dev/port-taken';

// Lines as `temporal server start-dev` 1.5.1 prints them when a port it is to listen on is taken.
const httpPortTaken =
  'time=2026-12-07T23:52:58.738 level=ERROR msg="can\'t set frontend HTTP port 45678: listen tcp 127.0.0.1:45678: bind: address already in use"';
const metricsPortTaken =
  'time=2026-12-07T23:52:58.789 level=ERROR msg="can\'t set metrics port 45678: listen tcp 127.0.0.1:45678: bind: address already in use"';

test('a taken port the server picked itself is worth another start', () => {
  expect(lostAPortItPicked(httpPortTaken, [7233, 8233])).toBe(true);
  expect(lostAPortItPicked(`starting\n${metricsPortTaken}\n`, [7233, 8233])).toBe(true);
});

test('a taken port the operator chose, or another failure, is not', () => {
  expect(lostAPortItPicked(httpPortTaken, [45678, 8233])).toBe(false);
  expect(lostAPortItPicked(`${metricsPortTaken}\n${httpPortTaken.replaceAll('45678', '7233')}`, [7233, 8233])).toBe(
    false,
  );
  expect(lostAPortItPicked('level=ERROR msg="unable to open database file"', [7233, 8233])).toBe(false);
  // A port that merely starts with the chosen one's digits is another port.
  expect(lostAPortItPicked(httpPortTaken, [4567])).toBe(true);
});
