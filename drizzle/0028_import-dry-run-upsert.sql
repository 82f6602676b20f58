ALTER TYPE "public"."import_job_mode" ADD VALUE 'DRY_RUN';--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "rows_valid" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "rows_updated" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "customers_third_party_reference_idx" ON "customers" USING btree ("organisation_id","third_party_reference") WHERE "customers"."third_party_reference" is not null;--> statement-breakpoint
-- Jobs before this migration: every imported row had passed every check.
UPDATE "import_jobs" SET "rows_valid" = "rows_imported";
