-- CreateEnum
CREATE TYPE "delivery_status" AS ENUM ('pending', 'sending', 'delivered', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "event_type" AS ENUM ('birthday');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "first_name" VARCHAR(100) NOT NULL,
    "last_name" VARCHAR(100) NOT NULL,
    "birthday" DATE NOT NULL,
    "timezone" VARCHAR(64) NOT NULL,
    "email" VARCHAR(254),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deliveries" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "event_type" "event_type" NOT NULL,
    "occurrence_year" INTEGER NOT NULL,
    "occurrence_date" DATE NOT NULL,
    "scheduled_at" TIMESTAMPTZ(3) NOT NULL,
    "status" "delivery_status" NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "idempotency_key" VARCHAR(200) NOT NULL,
    "workflow_id" VARCHAR(200) NOT NULL,
    "run_id" VARCHAR(64) NOT NULL,
    "response_status" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "first_attempt_at" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "users_created_at_id_idx" ON "users"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_idempotency_key_key" ON "deliveries"("idempotency_key");

-- CreateIndex
CREATE INDEX "deliveries_user_id_scheduled_at_idx" ON "deliveries"("user_id", "scheduled_at");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_user_id_event_type_occurrence_year_key" ON "deliveries"("user_id", "event_type", "occurrence_year");

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
