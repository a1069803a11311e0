import { userRunOf, workflowIdFor } from '../../src/greetings/ids';

const userId = '0b6f6a1e-3c1d-4e0b-9a5e-2f1d7c9b8a70';

test("a user's workflow id reads back as its user and event", () => {
  expect(userRunOf(workflowIdFor(userId, 'birthday'))).toEqual({ userId, eventType: 'birthday' });
  expect(userRunOf(workflowIdFor(userId, 'anniversary'))).toEqual({ userId, eventType: 'anniversary' });
});

test('any other workflow id is none of theirs', () => {
  for (const other of [
    'dispatch-2026-12-08T09:00:00.000Z',
    'reconcile-sweep-yearly-greetings',
    `wedding-${userId}`,
    `birthday-${userId}-extra`,
    'birthday-not-a-uuid',
  ]) {
    expect(userRunOf(other)).toBeNull();
  }
});
