CREATE TYPE "public"."access_method" AS ENUM('KEY_HOLDER', 'OCCUPIER', 'LANDLORD', 'AGENT', 'OTHER');--> statement-breakpoint
CREATE TYPE "public"."service_reminder_decision" AS ENUM('AUTHORISE', 'CANCEL_ONCE', 'CANCEL_FOREVER', 'POSTPONE', 'UNKNOWN');--> statement-breakpoint
CREATE TABLE "service_reminder_decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"reminder_id" uuid NOT NULL,
	"work_address_id" uuid NOT NULL,
	"decision" "service_reminder_decision" NOT NULL,
	"decided_by_id" uuid,
	"decided_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"notes" text,
	"access_method" "access_method",
	"access_notes" text,
	"job_id" uuid,
	"due_date_before" date NOT NULL,
	"due_date_after" date NOT NULL
);
--> statement-breakpoint
DROP INDEX "service_reminders_due_idx";--> statement-breakpoint
ALTER TABLE "service_reminders" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "service_reminder_decisions" ADD CONSTRAINT "service_reminder_decisions_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_reminder_decisions" ADD CONSTRAINT "service_reminder_decisions_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_reminder_decisions" ADD CONSTRAINT "service_reminder_decisions_reminder_id_service_reminders_id_fk" FOREIGN KEY ("reminder_id") REFERENCES "public"."service_reminders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_reminder_decisions" ADD CONSTRAINT "service_reminder_decisions_work_address_id_work_addresses_id_fk" FOREIGN KEY ("work_address_id") REFERENCES "public"."work_addresses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_reminder_decisions" ADD CONSTRAINT "service_reminder_decisions_decided_by_id_users_id_fk" FOREIGN KEY ("decided_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_reminder_decisions" ADD CONSTRAINT "service_reminder_decisions_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "service_reminder_decisions_reminder_idx" ON "service_reminder_decisions" USING btree ("reminder_id","decided_at","id");--> statement-breakpoint
CREATE INDEX "service_reminder_decisions_work_address_idx" ON "service_reminder_decisions" USING btree ("work_address_id","decided_at","id");--> statement-breakpoint
CREATE INDEX "service_reminder_decisions_customer_idx" ON "service_reminder_decisions" USING btree ("customer_id","decided_at","id");--> statement-breakpoint
CREATE INDEX "service_reminder_decisions_job_idx" ON "service_reminder_decisions" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "service_reminders_due_idx" ON "service_reminders" USING btree ("organisation_id",("due_date" - date '2000-01-01'),"id") WHERE "service_reminders"."cancelled_at" is null;