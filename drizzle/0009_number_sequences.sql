CREATE TYPE "public"."number_sequence" AS ENUM('INVOICE', 'QUOTE', 'SALES_ORDER');--> statement-breakpoint
CREATE TABLE "number_sequences" (
	"organisation_id" uuid NOT NULL,
	"kind" "number_sequence" NOT NULL,
	"last_number" integer NOT NULL,
	CONSTRAINT "number_sequences_organisation_id_kind_pk" PRIMARY KEY("organisation_id","kind")
);
--> statement-breakpoint
-- Carry the counters over, so no number is given twice.
INSERT INTO "number_sequences" ("organisation_id", "kind", "last_number") SELECT "organisation_id", 'INVOICE', "last_number" FROM "invoice_numbers";--> statement-breakpoint
INSERT INTO "number_sequences" ("organisation_id", "kind", "last_number") SELECT "organisation_id", 'QUOTE', "last_number" FROM "quote_numbers";--> statement-breakpoint
INSERT INTO "number_sequences" ("organisation_id", "kind", "last_number") SELECT "organisation_id", 'SALES_ORDER', "last_number" FROM "sales_order_numbers";--> statement-breakpoint
DROP TABLE "invoice_numbers" CASCADE;--> statement-breakpoint
DROP TABLE "quote_numbers" CASCADE;--> statement-breakpoint
DROP TABLE "sales_order_numbers" CASCADE;--> statement-breakpoint
ALTER TABLE "number_sequences" ADD CONSTRAINT "number_sequences_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;