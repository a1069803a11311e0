-- CreateIndex
CREATE INDEX "users_timezone_created_at_id_idx" ON "users"("timezone", "created_at", "id");
