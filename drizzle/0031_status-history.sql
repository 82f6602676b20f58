CREATE TYPE "public"."status_change_source" AS ENUM('CREATED', 'IMPORTED', 'CHANGED', 'DEACTIVATED', 'REACTIVATED', 'MERGED', 'CONVERTED');--> statement-breakpoint
CREATE TABLE "customer_status_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"recorded_for_id" uuid NOT NULL,
	"from_status_id" uuid,
	"to_status_id" uuid NOT NULL,
	"changed_by_id" uuid,
	"source" "status_change_source" NOT NULL,
	"note" text,
	"changed_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_status_transition_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"from_status_id" uuid,
	"to_status_id" uuid,
	"allowed_roles" "user_role"[] NOT NULL,
	"reason" text,
	"created_by_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	CONSTRAINT "customer_status_transition_rules_pair_key" UNIQUE NULLS NOT DISTINCT("organisation_id","from_status_id","to_status_id"),
	CONSTRAINT "customer_status_transition_rules_not_same" CHECK ("customer_status_transition_rules"."from_status_id" is distinct from "customer_status_transition_rules"."to_status_id" or "customer_status_transition_rules"."from_status_id" is null)
);
--> statement-breakpoint
CREATE TABLE "lead_status_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"organisation_id" uuid NOT NULL,
	"lead_id" uuid NOT NULL,
	"from_status" "lead_status",
	"to_status" "lead_status" NOT NULL,
	"changed_by_id" uuid,
	"source" "status_change_source" NOT NULL,
	"note" text,
	"changed_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lead_status_transition_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"from_status" "lead_status",
	"to_status" "lead_status",
	"allowed_roles" "user_role"[] NOT NULL,
	"reason" text,
	"created_by_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	CONSTRAINT "lead_status_transition_rules_pair_key" UNIQUE NULLS NOT DISTINCT("organisation_id","from_status","to_status"),
	CONSTRAINT "lead_status_transition_rules_not_same" CHECK ("lead_status_transition_rules"."from_status" is distinct from "lead_status_transition_rules"."to_status" or "lead_status_transition_rules"."from_status" is null)
);
--> statement-breakpoint
ALTER TABLE "customer_status_changes" ADD CONSTRAINT "customer_status_changes_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_status_changes" ADD CONSTRAINT "customer_status_changes_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_status_changes" ADD CONSTRAINT "customer_status_changes_from_status_id_customer_statuses_id_fk" FOREIGN KEY ("from_status_id") REFERENCES "public"."customer_statuses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_status_changes" ADD CONSTRAINT "customer_status_changes_to_status_id_customer_statuses_id_fk" FOREIGN KEY ("to_status_id") REFERENCES "public"."customer_statuses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_status_changes" ADD CONSTRAINT "customer_status_changes_changed_by_id_users_id_fk" FOREIGN KEY ("changed_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_status_transition_rules" ADD CONSTRAINT "customer_status_transition_rules_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_status_transition_rules" ADD CONSTRAINT "customer_status_transition_rules_from_status_id_customer_statuses_id_fk" FOREIGN KEY ("from_status_id") REFERENCES "public"."customer_statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_status_transition_rules" ADD CONSTRAINT "customer_status_transition_rules_to_status_id_customer_statuses_id_fk" FOREIGN KEY ("to_status_id") REFERENCES "public"."customer_statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_status_transition_rules" ADD CONSTRAINT "customer_status_transition_rules_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_status_changes" ADD CONSTRAINT "lead_status_changes_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_status_changes" ADD CONSTRAINT "lead_status_changes_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_status_changes" ADD CONSTRAINT "lead_status_changes_changed_by_id_users_id_fk" FOREIGN KEY ("changed_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_status_transition_rules" ADD CONSTRAINT "lead_status_transition_rules_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_status_transition_rules" ADD CONSTRAINT "lead_status_transition_rules_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_status_changes_customer_idx" ON "customer_status_changes" USING btree ("customer_id","seq");--> statement-breakpoint
CREATE INDEX "lead_status_changes_lead_idx" ON "lead_status_changes" USING btree ("lead_id","seq");--> statement-breakpoint
-- Hand-written (not generated by drizzle-kit): the history so far, backfilled from the audit trail,
-- oldest first so that `seq` keeps the order of the changes. Every workflow that changed a
-- status wrote an audit entry with the status before and after, in the same transaction:
--   customer.create (CREATED, or CONVERTED when made from a lead), customer.changeStatus (CHANGED),
--   customer.deactivate (DEACTIVATED; the note is the deactivation note's text),
--   customer.reactivate (REACTIVATED), customer.merge (MERGED, when the survivor's status changed).
-- Entries of customers since merged go to their survivor (customer_tombstones), keeping whose they
-- were in recorded_for_id. Not backfilled: customers created by a CSV import (the import writes one
-- audit entry per job, naming no customer) and the demo data's bulk customers (no audit entries);
-- their history starts with their next change. Entries whose statuses no longer exist are skipped.
INSERT INTO "customer_status_changes" ("organisation_id", "customer_id", "recorded_for_id", "from_status_id", "to_status_id", "changed_by_id", "source", "note", "changed_at")
SELECT a."organisation_id",
       coalesce(c."id", t."survivor_id"),
       a."entity_id",
       (a."before"->>'statusId')::uuid,
       (a."after"->>'statusId')::uuid,
       a."actor_user_id",
       (CASE a."action"
          WHEN 'customer.create' THEN CASE WHEN a."after" ? 'convertedFromLeadId' THEN 'CONVERTED' ELSE 'CREATED' END
          WHEN 'customer.changeStatus' THEN 'CHANGED'
          WHEN 'customer.deactivate' THEN 'DEACTIVATED'
          WHEN 'customer.reactivate' THEN 'REACTIVATED'
          ELSE 'MERGED'
        END)::"status_change_source",
       n."body",
       a."created_at"
FROM "audit_entries" a
LEFT JOIN "customers" c ON c."id" = a."entity_id" AND c."organisation_id" = a."organisation_id"
LEFT JOIN "customer_tombstones" t ON t."id" = a."entity_id" AND t."organisation_id" = a."organisation_id"
LEFT JOIN "notes" n ON a."action" = 'customer.deactivate' AND n."id" = (a."after"->>'deactivationNoteId')::uuid
WHERE a."entity_type" = 'Customer'
  AND a."action" IN ('customer.create', 'customer.changeStatus', 'customer.deactivate', 'customer.reactivate', 'customer.merge')
  AND a."after"->>'statusId' IS NOT NULL
  AND (a."before"->>'statusId') IS DISTINCT FROM (a."after"->>'statusId')
  AND coalesce(c."id", t."survivor_id") IN (SELECT "id" FROM "customers")
  AND (a."after"->>'statusId')::uuid IN (SELECT "id" FROM "customer_statuses")
  AND ((a."before"->>'statusId') IS NULL OR (a."before"->>'statusId')::uuid IN (SELECT "id" FROM "customer_statuses"))
ORDER BY a."id";
--> statement-breakpoint
-- Hand-written: leads' history from the audit trail, as for customers: lead.create (CREATED, NEW),
-- lead.status (CHANGED, when the status changed), lead.convert (CONVERTED).
INSERT INTO "lead_status_changes" ("organisation_id", "lead_id", "from_status", "to_status", "changed_by_id", "source", "changed_at")
SELECT a."organisation_id",
       a."entity_id",
       (CASE WHEN a."action" = 'lead.create' THEN NULL ELSE a."before"->>'status' END)::"lead_status",
       (CASE WHEN a."action" = 'lead.convert' THEN 'CONVERTED' ELSE a."after"->>'status' END)::"lead_status",
       a."actor_user_id",
       (CASE a."action" WHEN 'lead.create' THEN 'CREATED' WHEN 'lead.status' THEN 'CHANGED' ELSE 'CONVERTED' END)::"status_change_source",
       a."created_at"
FROM "audit_entries" a
JOIN "leads" l ON l."id" = a."entity_id" AND l."organisation_id" = a."organisation_id"
WHERE a."entity_type" = 'Lead'
  AND (a."action" = 'lead.create' AND a."after"->>'status' IS NOT NULL
    OR a."action" = 'lead.status' AND (a."before"->>'status') IS DISTINCT FROM (a."after"->>'status') AND a."after"->>'status' IS NOT NULL
    OR a."action" = 'lead.convert' AND a."before"->>'status' IS NOT NULL)
ORDER BY a."id";
