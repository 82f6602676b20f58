CREATE TABLE "customer_tombstones" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organisation_id" uuid NOT NULL,
	"survivor_id" uuid NOT NULL,
	"merged_into_id" uuid NOT NULL,
	"name" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"merged_by_id" uuid,
	"merged_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "anonymised_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sales_orders" ADD COLUMN "converted_to_assets_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sales_orders" ADD COLUMN "converted_to_assets_by_id" uuid;--> statement-breakpoint
ALTER TABLE "customer_tombstones" ADD CONSTRAINT "customer_tombstones_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_tombstones" ADD CONSTRAINT "customer_tombstones_survivor_id_customers_id_fk" FOREIGN KEY ("survivor_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_tombstones" ADD CONSTRAINT "customer_tombstones_merged_by_id_users_id_fk" FOREIGN KEY ("merged_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_tombstones_survivor_idx" ON "customer_tombstones" USING btree ("survivor_id");--> statement-breakpoint
ALTER TABLE "sales_orders" ADD CONSTRAINT "sales_orders_converted_to_assets_by_id_users_id_fk" FOREIGN KEY ("converted_to_assets_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;