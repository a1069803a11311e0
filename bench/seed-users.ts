import type { UserBody } from './api-client';
import { armOccurrences } from '../src/db/armed-occurrences';
import type { Db } from '../src/db/client';
import { armedRowOf } from '../src/greetings/armed-row';
import { nextOccurrence } from '../src/time/next-occurrence';

/**
 * `count` users written straight into Postgres, as the API would have saved them (live, in step), each with its next
 * birthday armed in the ledger as its run's plan arms it (at `deliveryTime`), and no workflow: what Postgres holds
 * when Temporal's store is lost, or a rush too large to create through the API in a bench's time.
 */
export async function seedUsersWithArmedBirthdays(
  db: Db,
  count: number,
  personOf: (index: number) => UserBody,
  deliveryTime: string,
): Promise<void> {
  const BATCH = 10_000;
  const nowMs = Date.now();
  for (let first = 0; first < count; first += BATCH) {
    const people = Array.from({ length: Math.min(BATCH, count - first) }, (_, offset) => personOf(first + offset));
    const users = await db.user.createManyAndReturn({
      data: people.map((person) => ({
        firstName: person.firstName,
        lastName: person.lastName,
        birthday: new Date(`${person.birthday}T00:00:00Z`),
        timezone: person.timezone,
      })),
      select: { id: true, birthday: true, timezone: true },
    });
    await armOccurrences(
      db,
      users.map((user) =>
        armedRowOf(
          user.id,
          'birthday',
          nextOccurrence({
            date: user.birthday.toISOString().slice(0, 10),
            timezone: user.timezone,
            deliveryTime,
            nowMs,
          }),
        ),
      ),
    );
  }
}
