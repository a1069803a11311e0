import type { Db } from '../db/client';
import { armOccurrence } from '../db/armed-occurrences';
import type { User } from '../db/users';
import type { EventType } from '../domain/event-type';
import { armedRowOf } from '../greetings/armed-row';
import { eventStrategy } from '../greetings/events';
import type { PlanSettings } from '../greetings/first-plan';
import { timeZoneDataVersion } from '../process/time-zone-data';
import type { GreetingWorkflows } from '../temporal/greeting-workflows';
import { occurrenceInYear } from '../time/next-occurrence';

export interface ZoneDataDependencies {
  db: Db;
  workflows: Pick<GreetingWorkflows, 'refresh'>;
  planSettings: PlanSettings;
  log: {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
  };
}

interface ArmedRow {
  id: string;
  userId: string;
  eventType: EventType;
  occurrenceYear: number;
  scheduledAt: Date;
}

/**
 * The armed rows of these users whose instant was computed with older time-zone data than this process has (or with
 * data not recorded): each is computed again; one whose instant moved is re-armed at the new instant (its dispatcher
 * sends then) and its run is told to plan again (`refreshSchedule`), one that did not move only records the release.
 * A process with older data than a row's leaves it alone, so a fleet half upgraded never moves rows back. A run that
 * cannot be told (Temporal down) keeps its row as it was, for the next sweep. Returns how many moved, how many could
 * not be, and the queries made.
 */
export async function replanOnNewerZoneData(
  deps: ZoneDataDependencies,
  users: Map<string, User>,
): Promise<{ moved: number; failed: number; queries: number }> {
  const version = timeZoneDataVersion();
  if (version === 'unknown' || users.size === 0) return { moved: 0, failed: 0, queries: 0 };
  const rows = await deps.db.$queryRaw<ArmedRow[]>`
    SELECT id, user_id AS "userId", event_type::text AS "eventType", occurrence_year AS "occurrenceYear",
           scheduled_at AS "scheduledAt"
    FROM deliveries
    WHERE user_id = ANY(${[...users.keys()]}::uuid[]) AND status = 'scheduled'
      AND (tz_version IS NULL OR tz_version < ${version})`;
  let moved = 0;
  let failed = 0;
  const unmoved: string[] = [];
  for (const row of rows) {
    const user = users.get(row.userId)!;
    const date = eventStrategy(row.eventType).dateOf(user);
    if (date === null) continue;
    const [, month, day] = date.split('-').map(Number) as [number, number, number];
    const now = occurrenceInYear({
      year: row.occurrenceYear,
      month,
      day,
      timezone: user.timezone,
      deliveryTime: deps.planSettings.deliveryTime,
      leapDayPolicy: deps.planSettings.leapDayPolicy,
    });
    if (now.epochMs === row.scheduledAt.getTime()) {
      unmoved.push(row.id);
      continue;
    }
    try {
      await deps.workflows.refresh(row.userId, row.eventType);
    } catch (error) {
      failed += 1;
      deps.log.warn('could not tell a run its greeting moved with newer time-zone data; the next sweep tries again', {
        userId: row.userId,
        eventType: row.eventType,
        error: String(error),
      });
      continue;
    }
    await armOccurrence(deps.db, armedRowOf(row.userId, row.eventType, now));
    moved += 1;
    // Newer rules moved it, or the workers' DELIVERY_TIME changed since it was planned: either way this is the moment.
    deps.log.info(
      "an armed greeting moved under this worker's time-zone data: re-armed and its run told to plan again",
      {
        userId: row.userId,
        eventType: row.eventType,
        from: row.scheduledAt.toISOString(),
        to: now.instant,
        zoneData: version,
      },
    );
  }
  if (unmoved.length > 0) {
    await deps.db.$executeRaw`UPDATE deliveries SET tz_version = ${version} WHERE id = ANY(${unmoved}::uuid[])`;
  }
  return { moved, failed, queries: 1 + moved + (unmoved.length > 0 ? 1 : 0) };
}
