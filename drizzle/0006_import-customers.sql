ALTER TYPE "public"."import_job_kind" ADD VALUE 'CUSTOMERS';--> statement-breakpoint
ALTER TABLE "import_jobs" ALTER COLUMN "customer_id" DROP NOT NULL;