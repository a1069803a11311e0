-- An INTEGER of milliseconds ends at about 24.8 days: a re-drive of last year's failed delivery, or a delivery
-- recorded as missed after a long outage, is later than that.
-- AlterTable
ALTER TABLE "deliveries" ALTER COLUMN "lateness_ms" SET DATA TYPE BIGINT;
