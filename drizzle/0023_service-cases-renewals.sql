CREATE TYPE "public"."asset_link_kind" AS ENUM('RENEWAL', 'UPGRADE');--> statement-breakpoint
CREATE TYPE "public"."service_case_priority" AS ENUM('LOW', 'NORMAL', 'HIGH', 'URGENT');--> statement-breakpoint
CREATE TYPE "public"."service_case_status" AS ENUM('OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED');--> statement-breakpoint
CREATE TABLE "asset_opportunity_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"asset_id" uuid NOT NULL,
	"opportunity_id" uuid NOT NULL,
	"kind" "asset_link_kind" NOT NULL,
	"linked_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "expiry_opportunities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"expiry_id" uuid NOT NULL,
	"opportunity_id" uuid NOT NULL,
	"raised_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_case_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"body" text NOT NULL,
	"author_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_case_sla_defaults" (
	"organisation_id" uuid NOT NULL,
	"priority" "service_case_priority" NOT NULL,
	"respond_within_hours" integer NOT NULL,
	"resolve_within_hours" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	CONSTRAINT "service_case_sla_defaults_organisation_id_priority_pk" PRIMARY KEY("organisation_id","priority")
);
--> statement-breakpoint
CREATE TABLE "service_cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"asset_id" uuid,
	"work_address_id" uuid,
	"number" integer NOT NULL,
	"subject" text NOT NULL,
	"description" text,
	"status" "service_case_status" DEFAULT 'OPEN' NOT NULL,
	"priority" "service_case_priority" DEFAULT 'NORMAL' NOT NULL,
	"respond_by" timestamp with time zone,
	"resolve_by" timestamp with time zone,
	"responded_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"assignee_user_id" uuid,
	"opened_by_user_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "quote_lines" ADD COLUMN "asset_id" uuid;--> statement-breakpoint
ALTER TABLE "quote_lines" ADD COLUMN "asset_link_kind" "asset_link_kind";--> statement-breakpoint
ALTER TABLE "asset_opportunity_links" ADD CONSTRAINT "asset_opportunity_links_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_opportunity_links" ADD CONSTRAINT "asset_opportunity_links_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_opportunity_links" ADD CONSTRAINT "asset_opportunity_links_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_opportunity_links" ADD CONSTRAINT "asset_opportunity_links_linked_by_user_id_users_id_fk" FOREIGN KEY ("linked_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expiry_opportunities" ADD CONSTRAINT "expiry_opportunities_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expiry_opportunities" ADD CONSTRAINT "expiry_opportunities_expiry_id_expiries_id_fk" FOREIGN KEY ("expiry_id") REFERENCES "public"."expiries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expiry_opportunities" ADD CONSTRAINT "expiry_opportunities_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expiry_opportunities" ADD CONSTRAINT "expiry_opportunities_raised_by_user_id_users_id_fk" FOREIGN KEY ("raised_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_case_notes" ADD CONSTRAINT "service_case_notes_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_case_notes" ADD CONSTRAINT "service_case_notes_case_id_service_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."service_cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_case_notes" ADD CONSTRAINT "service_case_notes_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_case_notes" ADD CONSTRAINT "service_case_notes_author_user_id_users_id_fk" FOREIGN KEY ("author_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_case_sla_defaults" ADD CONSTRAINT "service_case_sla_defaults_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_cases" ADD CONSTRAINT "service_cases_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_cases" ADD CONSTRAINT "service_cases_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_cases" ADD CONSTRAINT "service_cases_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_cases" ADD CONSTRAINT "service_cases_work_address_id_work_addresses_id_fk" FOREIGN KEY ("work_address_id") REFERENCES "public"."work_addresses"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_cases" ADD CONSTRAINT "service_cases_assignee_user_id_users_id_fk" FOREIGN KEY ("assignee_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_cases" ADD CONSTRAINT "service_cases_opened_by_user_id_users_id_fk" FOREIGN KEY ("opened_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "asset_opportunity_links_pair_key" ON "asset_opportunity_links" USING btree ("asset_id","opportunity_id");--> statement-breakpoint
CREATE INDEX "asset_opportunity_links_opportunity_idx" ON "asset_opportunity_links" USING btree ("opportunity_id");--> statement-breakpoint
CREATE UNIQUE INDEX "expiry_opportunities_expiry_key" ON "expiry_opportunities" USING btree ("expiry_id");--> statement-breakpoint
CREATE UNIQUE INDEX "expiry_opportunities_opportunity_key" ON "expiry_opportunities" USING btree ("opportunity_id");--> statement-breakpoint
CREATE INDEX "service_case_notes_case_idx" ON "service_case_notes" USING btree ("case_id","created_at","id");--> statement-breakpoint
CREATE INDEX "service_case_notes_customer_idx" ON "service_case_notes" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "service_cases_number_key" ON "service_cases" USING btree ("organisation_id","number");--> statement-breakpoint
CREATE INDEX "service_cases_customer_idx" ON "service_cases" USING btree ("customer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "service_cases_asset_idx" ON "service_cases" USING btree ("asset_id","created_at","id");--> statement-breakpoint
CREATE INDEX "service_cases_work_address_idx" ON "service_cases" USING btree ("work_address_id","created_at","id");--> statement-breakpoint
CREATE INDEX "service_cases_organisation_idx" ON "service_cases" USING btree ("organisation_id","created_at","id");--> statement-breakpoint
CREATE INDEX "service_cases_assignee_idx" ON "service_cases" USING btree ("assignee_user_id") WHERE "service_cases"."status" not in ('RESOLVED', 'CLOSED');--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quote_lines" ADD CONSTRAINT "quote_lines_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "assets_renewal_date_idx" ON "assets" USING btree ("organisation_id","renewal_date") WHERE "assets"."renewal_date" is not null;--> statement-breakpoint
CREATE INDEX "quote_lines_asset_idx" ON "quote_lines" USING btree ("asset_id");