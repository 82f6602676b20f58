ALTER TYPE "public"."job_status" ADD VALUE 'SCHEDULED' BEFORE 'COMPLETED';--> statement-breakpoint
ALTER TYPE "public"."job_status" ADD VALUE 'ABORTED' BEFORE 'CANCELLED';--> statement-breakpoint
DROP INDEX "business_units_organisation_name_key";--> statement-breakpoint
DROP INDEX "customer_types_organisation_name_key";--> statement-breakpoint
ALTER TABLE "business_units" ADD COLUMN "archived" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "business_units" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "customer_types" ADD COLUMN "archived" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "customer_types" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "outcome" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "completed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "abort_reason" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "aborted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "free_of_charge" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "sales_orders" ADD COLUMN "completed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sales_orders" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sales_orders" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
CREATE UNIQUE INDEX "business_units_organisation_name_key" ON "business_units" USING btree ("organisation_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "customer_types_organisation_name_key" ON "customer_types" USING btree ("organisation_id",lower("name"));