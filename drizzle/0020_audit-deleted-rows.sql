CREATE TABLE "audit_deleted_rows" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid,
	"lead_id" uuid,
	"entity_type" text NOT NULL,
	"deleted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_deleted_rows" ADD CONSTRAINT "audit_deleted_rows_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_deleted_rows" ADD CONSTRAINT "audit_deleted_rows_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_deleted_rows" ADD CONSTRAINT "audit_deleted_rows_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_deleted_rows_customer_idx" ON "audit_deleted_rows" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "audit_deleted_rows_lead_idx" ON "audit_deleted_rows" USING btree ("lead_id");--> statement-breakpoint
-- Deletions made before this migration: link each deleted row to the customer or lead its last
-- deletion entry names (compared as text, so a malformed id in old JSON is skipped, not an error).
INSERT INTO "audit_deleted_rows" ("id", "organisation_id", "customer_id", "lead_id", "entity_type", "deleted_at")
SELECT DISTINCT ON (a."entity_id") a."entity_id", a."organisation_id", c."id", l."id", a."entity_type", a."created_at"
FROM "audit_entries" a
LEFT JOIN "customers" c ON c."id"::text = a."before"->>'customerId' AND c."organisation_id" = a."organisation_id"
LEFT JOIN "leads" l ON l."id"::text = a."before"->>'leadId' AND l."organisation_id" = a."organisation_id"
WHERE a."action" LIKE '%.delete' AND a."entity_type" NOT IN ('Customer', 'Lead') AND (c."id" IS NOT NULL OR l."id" IS NOT NULL)
ORDER BY a."entity_id", a."id" DESC
ON CONFLICT DO NOTHING;
