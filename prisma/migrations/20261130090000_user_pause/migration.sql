-- A user's greetings can be paused (POST /users/:id/pause, or the workflow's `pause` signal): while paused_at is
-- set, an occurrence that comes due is recorded as skipped with the reason and nothing is sent.
-- AlterEnum
ALTER TYPE "delivery_status" ADD VALUE 'skipped';

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "paused_at" TIMESTAMPTZ(3),
ADD COLUMN     "pause_reason" VARCHAR(500);
