CREATE TYPE "public"."card_brand" AS ENUM('VISA', 'MASTERCARD', 'AMEX', 'DISCOVER', 'DINERS', 'JCB', 'UNIONPAY', 'MAESTRO', 'OTHER');--> statement-breakpoint
CREATE TABLE "stored_cards" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"provider_token" text NOT NULL,
	"brand" "card_brand" NOT NULL,
	"last4" char(4) NOT NULL,
	"expiry_month" integer NOT NULL,
	"expiry_year" integer NOT NULL,
	"label" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	CONSTRAINT "stored_cards_last4_digits" CHECK ("stored_cards"."last4" ~ '^[0-9]{4}$'),
	CONSTRAINT "stored_cards_expiry_month" CHECK ("stored_cards"."expiry_month" between 1 and 12),
	CONSTRAINT "stored_cards_expiry_year" CHECK ("stored_cards"."expiry_year" between 2000 and 2999),
	CONSTRAINT "stored_cards_token_no_spaces" CHECK ("stored_cards"."provider_token" !~ '\s' and length("stored_cards"."provider_token") between 1 and 255)
);
--> statement-breakpoint
ALTER TABLE "stored_cards" ADD CONSTRAINT "stored_cards_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stored_cards" ADD CONSTRAINT "stored_cards_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stored_cards_customer_idx" ON "stored_cards" USING btree ("customer_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "stored_cards_token_key" ON "stored_cards" USING btree ("organisation_id",lower("provider"),"provider_token");