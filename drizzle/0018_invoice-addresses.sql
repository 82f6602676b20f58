CREATE TABLE "invoice_addresses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"name" text NOT NULL,
	"line1" text NOT NULL,
	"line2" text,
	"line3" text,
	"town" text,
	"county" text,
	"postcode" text,
	"country" char(2) NOT NULL,
	"what3words" text,
	"latitude" double precision,
	"longitude" double precision,
	"email" text,
	"reference" text,
	"landlord_customer_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "invoice_address_id" uuid;--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "invoice_address_format" text;--> statement-breakpoint
ALTER TABLE "invoice_addresses" ADD CONSTRAINT "invoice_addresses_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_addresses" ADD CONSTRAINT "invoice_addresses_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_addresses" ADD CONSTRAINT "invoice_addresses_landlord_customer_id_customers_id_fk" FOREIGN KEY ("landlord_customer_id") REFERENCES "public"."customers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invoice_addresses_customer_idx" ON "invoice_addresses" USING btree ("customer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "invoice_addresses_landlord_idx" ON "invoice_addresses" USING btree ("landlord_customer_id");--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_invoice_address_id_invoice_addresses_id_fk" FOREIGN KEY ("invoice_address_id") REFERENCES "public"."invoice_addresses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invoices_invoice_address_idx" ON "invoices" USING btree ("invoice_address_id");