-- A run's plan arms its occurrence: the ledger row is written `scheduled` at its due instant long before it is due,
-- and the dispatcher of that instant claims every armed row at once (one workflow per instant, not one per person).
-- AlterEnum
ALTER TYPE "delivery_status" ADD VALUE 'scheduled';

-- AlterTable: when a row may be claimed next (its due instant, then the backoff after a failed attempt), on the
-- database's clock.
ALTER TABLE "deliveries" ADD COLUMN     "next_attempt_at" TIMESTAMPTZ(3);

-- CreateIndex: the dispatcher's claim (status and instant) and the sweep's search for rows nobody dispatched.
CREATE INDEX "deliveries_status_scheduled_at_idx" ON "deliveries"("status", "scheduled_at");
