-- AlterEnum
ALTER TYPE "delivery_status" ADD VALUE 'missed';

-- AlterTable
ALTER TABLE "deliveries" ADD COLUMN     "lateness_ms" INTEGER;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "live_email" VARCHAR(254),
ADD COLUMN     "workflow_sync_requested_at" TIMESTAMPTZ(3);

-- Existing live users keep their email reserved.
UPDATE "users" SET "live_email" = lower("email") WHERE "deleted_at" IS NULL AND "email" IS NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "users_live_email_key" ON "users"("live_email");

-- CreateIndex
CREATE INDEX "users_workflow_sync_requested_at_idx" ON "users"("workflow_sync_requested_at");
