ALTER TABLE "number_sequences" ALTER COLUMN "kind" SET DATA TYPE text;--> statement-breakpoint
DROP TYPE "public"."number_sequence";