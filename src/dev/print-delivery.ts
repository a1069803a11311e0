import type { ReceivedDelivery } from './webhook-receiver';

/** Shows one delivery the local receiver got, as the operator watching the terminal (or `docker compose logs`) sees it. */
export function printDelivery(delivery: ReceivedDelivery): void {
  const body = delivery.body as { message?: string; scheduledAt?: string } | null;
  const repeat = delivery.repeat ? ' (repeat of an earlier delivery, same Idempotency-Key)' : '';
  console.log(
    `\n>>> webhook delivery${repeat}\n    message:         ${body?.message}\n    due at:          ${body?.scheduledAt}` +
      `\n    received at:     ${delivery.receivedAt}\n    idempotency key: ${delivery.idempotencyKey}\n`,
  );
}
