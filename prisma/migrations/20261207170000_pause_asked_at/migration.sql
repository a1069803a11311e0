-- When the pause or resume in force was asked (by the API, or by a `pause`/`resume` signal, stamped by the workflow
-- when the signal arrived): a pause or resume asked earlier than that, whose write comes later (an activity retried
-- through a Postgres outage), changes nothing. The latest request wins, whichever way it came.
-- AlterTable
ALTER TABLE "users" ADD COLUMN     "pause_asked_at" TIMESTAMPTZ(3);
