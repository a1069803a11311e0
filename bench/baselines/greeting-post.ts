import { idempotencyKeyFor } from '../../src/greetings/ids';
import { greetingMessage } from '../../src/greetings/message';

/** A bench user as the baselines know them: the id the API gave, and the index its name carries. */
export interface BenchUser {
  id: string;
  index: number;
}

/** POSTs the greeting a baseline sends: the service's payload shape and Idempotency-Key; throws on a non-2xx. */
export async function postGreeting(url: string, user: BenchUser, scheduledAt: Date, deliveryId: string): Promise<void> {
  const occurrenceYear = scheduledAt.getUTCFullYear();
  const idempotencyKey = idempotencyKeyFor(user.id, 'birthday', occurrenceYear);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify({
      message: greetingMessage('birthday', { firstName: 'Bench', lastName: `User ${user.index}` }),
      eventType: 'birthday',
      userId: user.id,
      occurrenceYear,
      occurrenceDate: scheduledAt.toISOString().slice(0, 10),
      scheduledAt: scheduledAt.toISOString(),
      deliveryId,
      idempotencyKey,
    }),
  });
  await response.text();
  if (!response.ok) throw new Error(`the receiver answered ${response.status}`);
}
