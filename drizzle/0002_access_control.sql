CREATE TYPE "public"."portal_permission" AS ENUM('VIEW_INVOICES', 'VIEW_STATEMENTS', 'VIEW_JOBS', 'PAY', 'UPDATE_CONTACT_DETAILS');--> statement-breakpoint
CREATE TABLE "record_reads" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"reader_user_id" uuid,
	"reader_portal_token_id" uuid,
	"request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "access_grants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"grantee_user_id" uuid NOT NULL,
	"customer_id" uuid,
	"lead_id" uuid,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"granted_by_user_id" uuid,
	"revoked_at" timestamp with time zone,
	"revoked_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	CONSTRAINT "access_grants_one_record" CHECK (("access_grants"."customer_id" is null) <> ("access_grants"."lead_id" is null)),
	CONSTRAINT "access_grants_period" CHECK ("access_grants"."ends_at" > "access_grants"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "status_group_statuses" (
	"group_id" uuid NOT NULL,
	"status_id" uuid NOT NULL,
	CONSTRAINT "status_group_statuses_group_id_status_id_pk" PRIMARY KEY("group_id","status_id")
);
--> statement-breakpoint
CREATE TABLE "status_groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"is_system" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_status_groups" (
	"user_id" uuid NOT NULL,
	"group_id" uuid NOT NULL,
	CONSTRAINT "user_status_groups_user_id_group_id_pk" PRIMARY KEY("user_id","group_id")
);
--> statement-breakpoint
CREATE TABLE "portal_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"permissions" "portal_permission"[] DEFAULT '{}' NOT NULL,
	"created_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_by_user_id" uuid
);
--> statement-breakpoint
ALTER TABLE "audit_entries" ADD COLUMN "actor_portal_token_id" uuid;--> statement-breakpoint
ALTER TABLE "record_reads" ADD CONSTRAINT "record_reads_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_grantee_user_id_users_id_fk" FOREIGN KEY ("grantee_user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_granted_by_user_id_users_id_fk" FOREIGN KEY ("granted_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_grants" ADD CONSTRAINT "access_grants_revoked_by_user_id_users_id_fk" FOREIGN KEY ("revoked_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_group_statuses" ADD CONSTRAINT "status_group_statuses_group_id_status_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."status_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_group_statuses" ADD CONSTRAINT "status_group_statuses_status_id_customer_statuses_id_fk" FOREIGN KEY ("status_id") REFERENCES "public"."customer_statuses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_groups" ADD CONSTRAINT "status_groups_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_status_groups" ADD CONSTRAINT "user_status_groups_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_status_groups" ADD CONSTRAINT "user_status_groups_group_id_status_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."status_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_tokens" ADD CONSTRAINT "portal_tokens_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_tokens" ADD CONSTRAINT "portal_tokens_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_tokens" ADD CONSTRAINT "portal_tokens_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_tokens" ADD CONSTRAINT "portal_tokens_revoked_by_user_id_users_id_fk" FOREIGN KEY ("revoked_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "record_reads_customer_idx" ON "record_reads" USING btree ("organisation_id","customer_id","id");--> statement-breakpoint
CREATE INDEX "access_grants_grantee_customer_idx" ON "access_grants" USING btree ("grantee_user_id","customer_id");--> statement-breakpoint
CREATE INDEX "access_grants_grantee_lead_idx" ON "access_grants" USING btree ("grantee_user_id","lead_id");--> statement-breakpoint
CREATE INDEX "access_grants_customer_idx" ON "access_grants" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "access_grants_lead_idx" ON "access_grants" USING btree ("lead_id");--> statement-breakpoint
CREATE UNIQUE INDEX "status_groups_name_key" ON "status_groups" USING btree ("organisation_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "status_groups_one_system_key" ON "status_groups" USING btree ("organisation_id") WHERE "status_groups"."is_system";--> statement-breakpoint
CREATE INDEX "user_status_groups_group_idx" ON "user_status_groups" USING btree ("group_id");--> statement-breakpoint
CREATE UNIQUE INDEX "portal_tokens_hash_key" ON "portal_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "portal_tokens_customer_idx" ON "portal_tokens" USING btree ("customer_id");--> statement-breakpoint
-- Every organisation gets its system status group, and every existing user is placed in it, so no one
-- loses the statuses they could set before groups existed.
INSERT INTO "status_groups" ("organisation_id", "name", "description", "is_system")
SELECT "id", 'All customer statuses', 'Every customer status, including ones added later.', true FROM "organisations";--> statement-breakpoint
INSERT INTO "user_status_groups" ("user_id", "group_id")
SELECT u."id", g."id" FROM "users" u JOIN "status_groups" g ON g."organisation_id" = u."organisation_id" AND g."is_system";
