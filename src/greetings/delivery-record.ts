import type { DeliveryOutcome } from '../domain/delivery-outcome';

/** Who delivered a run's year, when, and how late: shown in the run's details in the Web UI. */
export interface DeliveryRecord {
  /** The workflow whose attempt delivered it: the instant's dispatcher, or the run itself. */
  by: string;
  at: string | null;
  latenessMs: number | null;
}

/** The record of a delivery outcome, when the outcome is a delivery (by this run, `runWorkflowId`, or before it). */
export function deliveryRecord(outcome: DeliveryOutcome, runWorkflowId: string): DeliveryRecord | undefined {
  if (outcome.outcome === 'delivered') return { by: runWorkflowId, at: null, latenessMs: outcome.latenessMs };
  if (outcome.outcome === 'already-delivered' && outcome.by !== undefined) {
    return { by: outcome.by, at: outcome.deliveredAt ?? null, latenessMs: outcome.latenessMs ?? null };
  }
  return undefined;
}
