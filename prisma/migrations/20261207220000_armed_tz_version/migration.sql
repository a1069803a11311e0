-- The IANA time-zone data release an armed row's instant was computed with (null: armed before it was recorded).
ALTER TABLE "deliveries" ADD COLUMN "tz_version" VARCHAR(16);
