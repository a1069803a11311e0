import type { Db } from '../db/client';
import { lastSettledYear } from '../db/ledger';
import { findLiveUser } from '../db/users';
import type { EventType } from '../greetings/message';
import { nextOccurrence, type LeapDayPolicy, type Occurrence } from '../time/next-occurrence';

export interface PlanDeliveryInput {
  userId: string;
  eventType: EventType;
  /** `YYYY-MM-DD`; only month and day matter. */
  date: string;
  timezone: string;
  deliveryTime: string;
  leapDayPolicy?: LeapDayPolicy;
  /** The workflow's clock, so the plan follows workflow time (and the test server's skipped time). */
  nowMs: number;
  /** No occurrence before this year (the year after the one this run already delivered). */
  notBeforeYear?: number;
}

export function createPlanningActivities(deps: { db: Db }) {
  return {
    /**
     * The next due moment of a user's yearly event, after the last occurrence the ledger has settled, so a changed
     * date never earns a second delivery in a year already delivered. Run as a local activity: its answer is kept
     * in the workflow's history, and a replay never recomputes it with newer time-zone rules. Null when the user is
     * deleted: a workflow started in a race with a DELETE ends at once.
     */
    async planDelivery(input: PlanDeliveryInput): Promise<Occurrence | null> {
      if (!(await findLiveUser(deps.db, input.userId))) return null;
      const settled = await lastSettledYear(deps.db, input.userId, input.eventType);
      const notBeforeYear = Math.max(input.notBeforeYear ?? 0, settled === null ? 0 : settled + 1);
      return nextOccurrence({
        date: input.date,
        timezone: input.timezone,
        deliveryTime: input.deliveryTime,
        leapDayPolicy: input.leapDayPolicy,
        nowMs: input.nowMs,
        notBeforeYear: notBeforeYear || undefined,
      });
    },
  };
}

export type PlanningActivities = ReturnType<typeof createPlanningActivities>;
