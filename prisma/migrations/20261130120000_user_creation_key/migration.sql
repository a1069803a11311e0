-- POST /users with an Idempotency-Key: the key and a fingerprint of the fields it created the user with, so a retried
-- create finds the user its first attempt made instead of making a second one.
-- AlterTable
ALTER TABLE "users" ADD COLUMN     "creation_key" VARCHAR(255),
ADD COLUMN     "creation_fingerprint" CHAR(64);

-- CreateIndex
CREATE UNIQUE INDEX "users_creation_key_key" ON "users"("creation_key");
