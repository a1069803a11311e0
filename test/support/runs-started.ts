import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import type { EventType } from '../../src/domain/event-type';
import { workflowIdFor } from '../../src/greetings/ids';

/**
 * Waits until the API has started a new user's runs: a create answers once the row is saved and starts the runs
 * after (UserService's background starts), clearing the row's flag when Temporal has them.
 */
export async function untilRunsStarted(db: Db, userId: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { workflowSyncRequestedAt: true } });
    if (row.workflowSyncRequestedAt === null) return;
    if (Date.now() > deadline) throw new Error(`user ${userId}'s runs not started after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the user's run of `eventType` exists in Temporal (the API starts it right after the create's 201). */
export async function untilRunExists(
  client: Client,
  userId: string,
  eventType: EventType = 'birthday',
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.workflow.getHandle(workflowIdFor(userId, eventType)).describe();
      return;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError) || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
