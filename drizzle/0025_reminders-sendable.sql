DROP INDEX "service_reminders_due_idx";--> statement-breakpoint
ALTER TABLE "service_reminders" ADD COLUMN "sendable" boolean DEFAULT true NOT NULL;--> statement-breakpoint
-- Whether reminders at a work address may be sent: the address is active and its customer's status is
-- neither dormant nor one that stops automated communications (src/service-reminders/tables.ts).
CREATE FUNCTION "service_reminders_sendable_at"(address uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM "work_addresses" w
      JOIN "customers" c ON c."id" = w."customer_id"
      JOIN "customer_statuses" s ON s."id" = c."status_id"
    WHERE w."id" = address AND w."status"::text = 'ACTIVE' AND NOT s."is_dormant" AND s."automated_communications")
$$;--> statement-breakpoint
-- The reminders there are already (before the trigger below, which would work each out again).
UPDATE "service_reminders" SET "sendable" = "service_reminders_sendable_at"("work_address_id");--> statement-breakpoint
-- A new reminder, or one moved to another work address.
CREATE FUNCTION "service_reminders_sendable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."sendable" := "service_reminders_sendable_at"(NEW."work_address_id");
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "service_reminders_sendable" BEFORE INSERT OR UPDATE OF "work_address_id", "sendable" ON "service_reminders"
  FOR EACH ROW EXECUTE FUNCTION "service_reminders_sendable"();--> statement-breakpoint
-- A work address made dormant or active again, or moved to another customer (a merge).
CREATE FUNCTION "work_addresses_reminders_sendable"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  may_send boolean := "service_reminders_sendable_at"(NEW."id");
BEGIN
  UPDATE "service_reminders" SET "sendable" = may_send WHERE "work_address_id" = NEW."id" AND "sendable" IS DISTINCT FROM may_send;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "work_addresses_reminders_sendable" AFTER UPDATE OF "status", "customer_id" ON "work_addresses"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status" OR OLD."customer_id" IS DISTINCT FROM NEW."customer_id")
  EXECUTE FUNCTION "work_addresses_reminders_sendable"();--> statement-breakpoint
-- A customer given another status.
CREATE FUNCTION "customers_reminders_sendable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "service_reminders" r SET "sendable" = "service_reminders_sendable_at"(r."work_address_id")
    FROM "work_addresses" w
    WHERE w."customer_id" = NEW."id" AND r."work_address_id" = w."id"
      AND r."sendable" IS DISTINCT FROM "service_reminders_sendable_at"(r."work_address_id");
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "customers_reminders_sendable" AFTER UPDATE OF "status_id" ON "customers"
  FOR EACH ROW WHEN (OLD."status_id" IS DISTINCT FROM NEW."status_id")
  EXECUTE FUNCTION "customers_reminders_sendable"();--> statement-breakpoint
-- A status that becomes (or stops being) dormant or one that stops automated communications.
CREATE FUNCTION "customer_statuses_reminders_sendable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "service_reminders" r SET "sendable" = "service_reminders_sendable_at"(r."work_address_id")
    FROM "work_addresses" w JOIN "customers" c ON c."id" = w."customer_id"
    WHERE c."status_id" = NEW."id" AND r."work_address_id" = w."id"
      AND r."sendable" IS DISTINCT FROM "service_reminders_sendable_at"(r."work_address_id");
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "customer_statuses_reminders_sendable" AFTER UPDATE OF "is_dormant", "automated_communications" ON "customer_statuses"
  FOR EACH ROW WHEN (OLD."is_dormant" IS DISTINCT FROM NEW."is_dormant" OR OLD."automated_communications" IS DISTINCT FROM NEW."automated_communications")
  EXECUTE FUNCTION "customer_statuses_reminders_sendable"();--> statement-breakpoint
CREATE INDEX "service_reminders_due_idx" ON "service_reminders" USING btree ("organisation_id",("due_date" - date '2000-01-01'),"id") WHERE "service_reminders"."cancelled_at" is null and "service_reminders"."sendable";
