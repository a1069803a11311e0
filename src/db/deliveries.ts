import type { EventType } from '../domain/event-type';
import type { Db } from './client';
import type { Delivery as DeliveryRow } from '../generated/prisma/client';
import { CursorLayout, toPage, type Page } from './keyset-page';

// Reads of the delivery ledger, for people and tools; the delivery activity's writes are in ledger.ts.

/**
 * A column's value in API form: instants as ISO strings (a civil date is narrowed to `YYYY-MM-DD` by its mapping),
 * BIGINT milliseconds as JSON numbers (exact for 285,000 years).
 */
type ApiValue<T> = T extends Date ? string : T extends bigint ? number : T;

/**
 * A ledger row as the API shows it: every column but the user id, which the path already names. Derived from the
 * Prisma model, so a new column fails the type check of `toDeliveryView` until it is mapped there.
 */
export type DeliveryView = { [Column in Exclude<keyof DeliveryRow, 'userId'>]: ApiValue<DeliveryRow[Column]> };

export interface DeliveryListQuery {
  limit: number;
  /** The previous page's nextCursor; absent for the first page. */
  cursor?: string | undefined;
  /** Only the deliveries of this event type. */
  eventType?: EventType | undefined;
}

/**
 * One user's ledger, newest occurrence first (then newest row, then id), a page at a time; null when there is no
 * live user with that id. The cursor is the last row's (occurrenceYear, createdAt, id): a position in that order.
 */
export async function listDeliveriesOfLiveUser(
  db: Db,
  userId: string,
  query: DeliveryListQuery,
): Promise<Page<DeliveryView> | null> {
  const after = query.cursor !== undefined ? decodeDeliveryCursor(query.cursor) : null;
  const user = await db.user.findFirst({
    where: { id: userId, deletedAt: null },
    select: {
      deliveries: {
        where: {
          ...(query.eventType !== undefined && { eventType: query.eventType }),
          ...(after && {
            OR: [
              { occurrenceYear: { lt: after.occurrenceYear } },
              { occurrenceYear: after.occurrenceYear, createdAt: { lt: after.createdAt } },
              { occurrenceYear: after.occurrenceYear, createdAt: after.createdAt, id: { lt: after.id } },
            ],
          }),
        },
        orderBy: [{ occurrenceYear: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      },
    },
  });
  if (!user) return null;
  return toPage(user.deliveries, query.limit, toDeliveryView, (row) =>
    deliveryCursor.encode([row.occurrenceYear, row.createdAt, row.id]),
  );
}

/** The cursor of a ledger: the last row's (occurrenceYear, createdAt, id). */
export const deliveryCursor = new CursorLayout(['year', 'instant', 'uuid']);

function decodeDeliveryCursor(cursor: string) {
  const [occurrenceYear, createdAt, id] = deliveryCursor.decode(cursor);
  return { occurrenceYear, createdAt, id };
}

/** The one place a ledger column becomes an API field. */
export function toDeliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    eventType: row.eventType,
    occurrenceYear: row.occurrenceYear,
    occurrenceDate: row.occurrenceDate.toISOString().slice(0, 10),
    scheduledAt: row.scheduledAt.toISOString(),
    tzVersion: row.tzVersion,
    status: row.status,
    attempts: row.attempts,
    idempotencyKey: row.idempotencyKey,
    responseStatus: row.responseStatus,
    lastError: row.lastError,
    firstAttemptAt: row.firstAttemptAt?.toISOString() ?? null,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    latenessMs: row.latenessMs === null ? null : Number(row.latenessMs),
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    workflowId: row.workflowId,
    runId: row.runId,
  };
}
