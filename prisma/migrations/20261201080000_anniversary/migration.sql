-- A second yearly event: a user may have an anniversary (optional), greeted by its own workflow
-- (`anniversary-<userId>`) with its own ledger rows, whose unique key already carries the event type.
-- AlterEnum
ALTER TYPE "event_type" ADD VALUE 'anniversary';

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "anniversary" DATE;
