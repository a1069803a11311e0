/** How one delivery of an occurrence ended, as the delivery activities answer it. */
export type DeliveryOutcome =
  | { outcome: 'delivered'; deliveryId: string; responseStatus: number; attempt: number; latenessMs: number }
  /** Delivered before this attempt: `by` is the workflow that delivered it (its instant's dispatcher, usually). */
  | {
      outcome: 'already-delivered';
      deliveryId: string;
      by?: string;
      deliveredAt?: string | null;
      latenessMs?: number | null;
    }
  | { outcome: 'user-deleted'; deliveryId: string | null }
  | { outcome: 'missed'; deliveryId: string; latenessMs: number }
  | { outcome: 'closed'; deliveryId: string; status: string }
  /** The user was paused when the occurrence came due: recorded as skipped, nothing sent. */
  | { outcome: 'skipped'; deliveryId: string; reason: string | null }
  | { outcome: 'not-found'; deliveryId: null };
