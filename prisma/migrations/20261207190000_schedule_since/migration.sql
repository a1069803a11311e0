-- Since when each event's date and the user's zone have been as they are: a due moment before it was never owed in
-- that form (an edit, like a create, is not a missed delivery), so it is neither sent late nor recorded as missed.
-- Existing users get their creation instant: the rule they were planned by until now.
-- AlterTable
ALTER TABLE "users" ADD COLUMN     "birthday_since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "anniversary_since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

UPDATE "users" SET "birthday_since" = "created_at", "anniversary_since" = "created_at";
