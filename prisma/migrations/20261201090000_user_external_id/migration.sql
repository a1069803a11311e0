-- The caller's own id for a person (a CRM's key), optional: a bulk import matches its rows to users by it. Unique among
-- live users as the email is: live_external_id holds it while the user is live and is cleared on deletion.
-- AlterTable
ALTER TABLE "users" ADD COLUMN     "external_id" VARCHAR(255),
ADD COLUMN     "live_external_id" VARCHAR(255);

-- CreateIndex
CREATE UNIQUE INDEX "users_live_external_id_key" ON "users"("live_external_id");
