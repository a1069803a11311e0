import { MockActivityEnvironment } from '@temporalio/testing';
import { createPlanningActivities, type PlanDeliveryInput } from '../../src/activities';
import type { PlanningDependencies } from '../../src/activities/plan-delivery';
import type { PlannedOccurrence } from '../../src/domain/schedule-state';

/**
 * The plan activity called as a worker calls it, inside an activity context (a plan arms its occurrence as the run
 * that asked), without a workflow around it.
 */
export function activityPlanner(dependencies: PlanningDependencies) {
  const planning = createPlanningActivities(dependencies);
  return {
    async planDelivery(input: PlanDeliveryInput): Promise<PlannedOccurrence | null> {
      const planned: unknown = await new MockActivityEnvironment().run(() => planning.planDelivery(input));
      return planned as PlannedOccurrence | null;
    },
  };
}
