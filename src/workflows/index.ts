// The worker bundles this file: every workflow type the service runs is exported from here.
export { yearlyGreetingWorkflow } from './yearly-greeting';
export { dueDispatchWorkflow } from './due-dispatch';
export { dispatchSweepWorkflow } from './dispatch-sweep';
export { reconcileFlaggedWorkflow, reconcileSweepWorkflow } from './reconciler';
