CREATE TYPE "public"."agreement_status" AS ENUM('ACTIVE', 'CANCELLED');--> statement-breakpoint
CREATE TYPE "public"."billing_frequency" AS ENUM('MONTHLY', 'QUARTERLY', 'ANNUALLY');--> statement-breakpoint
CREATE TYPE "public"."job_priority" AS ENUM('LOW', 'NORMAL', 'HIGH', 'URGENT');--> statement-breakpoint
CREATE TABLE "contracts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"reference" text NOT NULL,
	"term_months" integer NOT NULL,
	"start_date" date NOT NULL,
	"renewal_date" date NOT NULL,
	"auto_renew" boolean DEFAULT false NOT NULL,
	"pricing_terms" text,
	"price_minor" bigint,
	"currency" char(3) NOT NULL,
	"billing_frequency" "billing_frequency",
	"sla_id" uuid,
	"status" "agreement_status" DEFAULT 'ACTIVE' NOT NULL,
	"cancelled_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_service_plan_work_addresses" (
	"customer_service_plan_id" uuid NOT NULL,
	"work_address_id" uuid NOT NULL,
	CONSTRAINT "customer_service_plan_work_addresses_customer_service_plan_id_work_address_id_pk" PRIMARY KEY("customer_service_plan_id","work_address_id")
);
--> statement-breakpoint
CREATE TABLE "customer_service_plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"plan_id" uuid NOT NULL,
	"start_date" date NOT NULL,
	"expiry_date" date NOT NULL,
	"status" "agreement_status" DEFAULT 'ACTIVE' NOT NULL,
	"cancelled_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"name" text NOT NULL,
	"tasks" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"materials" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"price_minor" bigint NOT NULL,
	"currency" char(3) NOT NULL,
	"billing_frequency" "billing_frequency" NOT NULL,
	"warranty_months" integer DEFAULT 0 NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_slas" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"sla_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slas" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"name" text NOT NULL,
	"targets" jsonb NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "priority" "job_priority" DEFAULT 'NORMAL' NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "sla_id" uuid;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "respond_by" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "resolve_by" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "responded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "resolved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_sla_id_slas_id_fk" FOREIGN KEY ("sla_id") REFERENCES "public"."slas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_service_plan_work_addresses" ADD CONSTRAINT "customer_service_plan_work_addresses_customer_service_plan_id_customer_service_plans_id_fk" FOREIGN KEY ("customer_service_plan_id") REFERENCES "public"."customer_service_plans"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_service_plan_work_addresses" ADD CONSTRAINT "customer_service_plan_work_addresses_work_address_id_work_addresses_id_fk" FOREIGN KEY ("work_address_id") REFERENCES "public"."work_addresses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_service_plans" ADD CONSTRAINT "customer_service_plans_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_service_plans" ADD CONSTRAINT "customer_service_plans_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_service_plans" ADD CONSTRAINT "customer_service_plans_plan_id_service_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."service_plans"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_plans" ADD CONSTRAINT "service_plans_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_slas" ADD CONSTRAINT "customer_slas_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_slas" ADD CONSTRAINT "customer_slas_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_slas" ADD CONSTRAINT "customer_slas_sla_id_slas_id_fk" FOREIGN KEY ("sla_id") REFERENCES "public"."slas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slas" ADD CONSTRAINT "slas_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contracts_customer_idx" ON "contracts" USING btree ("customer_id",("renewal_date" - date '2000-01-01'),"id");--> statement-breakpoint
CREATE INDEX "contracts_renewal_idx" ON "contracts" USING btree ("organisation_id",("renewal_date" - date '2000-01-01'),"id") WHERE "contracts"."status" = 'ACTIVE';--> statement-breakpoint
CREATE INDEX "contracts_sla_idx" ON "contracts" USING btree ("sla_id");--> statement-breakpoint
CREATE INDEX "customer_service_plan_work_addresses_wa_idx" ON "customer_service_plan_work_addresses" USING btree ("work_address_id");--> statement-breakpoint
CREATE INDEX "customer_service_plans_customer_idx" ON "customer_service_plans" USING btree ("customer_id",("expiry_date" - date '2000-01-01'),"id");--> statement-breakpoint
CREATE INDEX "customer_service_plans_expiring_idx" ON "customer_service_plans" USING btree ("organisation_id",("expiry_date" - date '2000-01-01'),"id") WHERE "customer_service_plans"."status" = 'ACTIVE';--> statement-breakpoint
CREATE INDEX "customer_service_plans_plan_idx" ON "customer_service_plans" USING btree ("plan_id");--> statement-breakpoint
CREATE UNIQUE INDEX "service_plans_name_key" ON "service_plans" USING btree ("organisation_id",lower("name"));--> statement-breakpoint
CREATE INDEX "customer_slas_customer_idx" ON "customer_slas" USING btree ("customer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "customer_slas_sla_idx" ON "customer_slas" USING btree ("sla_id");--> statement-breakpoint
CREATE UNIQUE INDEX "slas_name_key" ON "slas" USING btree ("organisation_id",lower("name"));--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_sla_id_slas_id_fk" FOREIGN KEY ("sla_id") REFERENCES "public"."slas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_response_due_idx" ON "jobs" USING btree ("organisation_id","respond_by","id") WHERE "jobs"."respond_by" is not null and "jobs"."responded_at" is null;--> statement-breakpoint
CREATE INDEX "jobs_resolution_due_idx" ON "jobs" USING btree ("organisation_id","resolve_by","id") WHERE "jobs"."resolve_by" is not null and "jobs"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX "jobs_sla_idx" ON "jobs" USING btree ("sla_id");--> statement-breakpoint
-- SLA breach state (src/slas/): when a job was first responded to (its status first left OPEN) and
-- resolved (its status became a closing one), kept by the database so that no code moving a job's
-- status has to remember. Statuses compared as text: the lifecycle adds enum values of its own.
CREATE FUNCTION "jobs_sla_times"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status"::text <> 'OPEN' AND NEW."responded_at" IS NULL THEN
    NEW."responded_at" := now();
  END IF;
  IF NEW."status"::text IN ('COMPLETED', 'ABORTED', 'CANCELLED') AND NEW."resolved_at" IS NULL
     AND (TG_OP = 'INSERT' OR OLD."status"::text IS DISTINCT FROM NEW."status"::text) THEN
    NEW."resolved_at" := now();
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "jobs_sla_times" BEFORE INSERT OR UPDATE OF "status" ON "jobs"
  FOR EACH ROW EXECUTE FUNCTION "jobs_sla_times"();
