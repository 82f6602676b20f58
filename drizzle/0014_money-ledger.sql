CREATE TYPE "public"."credit_note_breakdown" AS ENUM('NONE', 'BY_CATEGORY', 'FULL', 'FULL_BY_CATEGORY');--> statement-breakpoint
CREATE TYPE "public"."credit_note_status" AS ENUM('ISSUED', 'VOID');--> statement-breakpoint
CREATE TYPE "public"."payment_status" AS ENUM('RECEIVED', 'REVERSED');--> statement-breakpoint
CREATE TABLE "credit_note_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"credit_note_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"description" text NOT NULL,
	"quantity_milli" integer NOT NULL,
	"unit_price_minor" bigint NOT NULL,
	"tax_rate_bp" integer DEFAULT 0 NOT NULL,
	"category" text,
	"net_minor" bigint GENERATED ALWAYS AS (round(quantity_milli::numeric * unit_price_minor / 1000)) STORED NOT NULL,
	"tax_minor" bigint GENERATED ALWAYS AS (round(round(quantity_milli::numeric * unit_price_minor / 1000) * tax_rate_bp / 10000)) STORED NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credit_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"invoice_id" uuid,
	"number" integer NOT NULL,
	"status" "credit_note_status" DEFAULT 'ISSUED' NOT NULL,
	"issue_date" date NOT NULL,
	"currency" char(3) NOT NULL,
	"reason" text NOT NULL,
	"breakdown" "credit_note_breakdown" DEFAULT 'FULL' NOT NULL,
	"total_minor" bigint DEFAULT 0 NOT NULL,
	"allocated_minor" bigint DEFAULT 0 NOT NULL,
	"voided_at" timestamp with time zone,
	"void_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	CONSTRAINT "credit_notes_allocated_within_total" CHECK ("credit_notes"."allocated_minor" >= 0 and "credit_notes"."allocated_minor" <= "credit_notes"."total_minor"),
	CONSTRAINT "credit_notes_void_unallocated" CHECK ("credit_notes"."status" <> 'VOID' or "credit_notes"."allocated_minor" = 0),
	CONSTRAINT "credit_notes_void_has_reason" CHECK (("credit_notes"."status" = 'VOID') = ("credit_notes"."voided_at" is not null and "credit_notes"."void_reason" is not null))
);
--> statement-breakpoint
CREATE TABLE "allocations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"payment_id" uuid,
	"credit_note_id" uuid,
	"amount_minor" bigint NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"undone_at" timestamp with time zone,
	"undo_reason" text,
	CONSTRAINT "allocations_one_source" CHECK (num_nonnulls("allocations"."payment_id", "allocations"."credit_note_id") = 1),
	CONSTRAINT "allocations_amount_positive" CHECK ("allocations"."amount_minor" > 0),
	CONSTRAINT "allocations_undone_has_reason" CHECK (("allocations"."undone_at" is null) = ("allocations"."undo_reason" is null))
);
--> statement-breakpoint
CREATE TABLE "payment_methods" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"name" text NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"method_id" uuid NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" char(3) NOT NULL,
	"received_on" date NOT NULL,
	"reference" text,
	"nominal_account" text,
	"status" "payment_status" DEFAULT 'RECEIVED' NOT NULL,
	"allocated_minor" bigint DEFAULT 0 NOT NULL,
	"reversed_at" timestamp with time zone,
	"reversal_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	CONSTRAINT "payments_amount_positive" CHECK ("payments"."amount_minor" > 0),
	CONSTRAINT "payments_allocated_within_amount" CHECK ("payments"."allocated_minor" >= 0 and "payments"."allocated_minor" <= "payments"."amount_minor"),
	CONSTRAINT "payments_reversed_unallocated" CHECK ("payments"."status" <> 'REVERSED' or "payments"."allocated_minor" = 0),
	CONSTRAINT "payments_reversed_has_reason" CHECK (("payments"."status" = 'REVERSED') = ("payments"."reversed_at" is not null and "payments"."reversal_reason" is not null))
);
--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD COLUMN "category" text;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD COLUMN "net_minor" bigint GENERATED ALWAYS AS (round(quantity_milli::numeric * unit_price_minor / 1000)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD COLUMN "tax_minor" bigint GENERATED ALWAYS AS (round(round(quantity_milli::numeric * unit_price_minor / 1000) * tax_rate_bp / 10000)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "total_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "credited_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "notes" text;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "voided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "void_reason" text;--> statement-breakpoint
ALTER TABLE "credit_note_lines" ADD CONSTRAINT "credit_note_lines_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_note_lines" ADD CONSTRAINT "credit_note_lines_credit_note_id_credit_notes_id_fk" FOREIGN KEY ("credit_note_id") REFERENCES "public"."credit_notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_notes" ADD CONSTRAINT "credit_notes_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_notes" ADD CONSTRAINT "credit_notes_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_notes" ADD CONSTRAINT "credit_notes_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_credit_note_id_credit_notes_id_fk" FOREIGN KEY ("credit_note_id") REFERENCES "public"."credit_notes"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_method_id_payment_methods_id_fk" FOREIGN KEY ("method_id") REFERENCES "public"."payment_methods"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credit_note_lines_credit_note_idx" ON "credit_note_lines" USING btree ("credit_note_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_notes_number_key" ON "credit_notes" USING btree ("organisation_id","number");--> statement-breakpoint
CREATE INDEX "credit_notes_customer_idx" ON "credit_notes" USING btree ("customer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "credit_notes_invoice_idx" ON "credit_notes" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "allocations_invoice_idx" ON "allocations" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "allocations_payment_idx" ON "allocations" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "allocations_credit_note_idx" ON "allocations" USING btree ("credit_note_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_methods_name_key" ON "payment_methods" USING btree ("organisation_id",lower("name"));--> statement-breakpoint
CREATE INDEX "payments_customer_idx" ON "payments" USING btree ("customer_id","created_at","id");--> statement-breakpoint
-- Invoices written before this migration: totals from their lines, a status that agrees with them,
-- and a reason for any void one.
UPDATE "invoices" SET "total_minor" = coalesce((SELECT sum("net_minor" + "tax_minor") FROM "invoice_lines" WHERE "invoice_id" = "invoices"."id"), 0);--> statement-breakpoint
UPDATE "invoices" SET "status" = (case when "paid_minor" >= "total_minor" then 'PAID' when "paid_minor" = 0 then 'ISSUED' else 'PART_PAID' end)::invoice_status WHERE "status" NOT IN ('DRAFT', 'VOID');--> statement-breakpoint
UPDATE "invoices" SET "voided_at" = "updated_at", "void_reason" = 'Voided before reasons were recorded' WHERE "status" = 'VOID';--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_allocated_within_total" CHECK ("invoices"."paid_minor" >= 0 and "invoices"."credited_minor" >= 0 and "invoices"."paid_minor" + "invoices"."credited_minor" <= "invoices"."total_minor");--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_status_follows_allocations" CHECK (case when "invoices"."status" in ('DRAFT', 'VOID') then "invoices"."paid_minor" + "invoices"."credited_minor" = 0
        else "invoices"."status" = (case when "invoices"."paid_minor" + "invoices"."credited_minor" >= "invoices"."total_minor" then 'PAID' when "invoices"."paid_minor" + "invoices"."credited_minor" = 0 then 'ISSUED' else 'PART_PAID' end)::invoice_status end);--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_void_has_reason" CHECK (("invoices"."status" = 'VOID') = ("invoices"."voided_at" is not null and "invoices"."void_reason" is not null));;--> statement-breakpoint
-- The money triggers (src/invoices/tables.ts, src/credit-notes/tables.ts, src/payments/tables.ts).
-- Line totals: an invoice's or credit note's total_minor moves with every change of its lines.
CREATE FUNCTION "invoice_lines_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  invoice_status invoice_status;
BEGIN
  SELECT "status" INTO invoice_status FROM "invoices" WHERE "id" = coalesce(NEW."invoice_id", OLD."invoice_id");
  IF FOUND AND invoice_status <> 'DRAFT' THEN
    RAISE EXCEPTION 'the lines of an invoice that is not a draft cannot change'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'invoice_lines_frozen';
  END IF;
  RETURN coalesce(NEW, OLD);
END $$;--> statement-breakpoint
CREATE TRIGGER "invoice_lines_guard" BEFORE INSERT OR UPDATE OR DELETE ON "invoice_lines"
  FOR EACH ROW EXECUTE FUNCTION "invoice_lines_guard"();--> statement-breakpoint
CREATE FUNCTION "invoice_lines_total"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE "invoices" SET "total_minor" = "total_minor" - (OLD."net_minor" + OLD."tax_minor") WHERE "id" = OLD."invoice_id";
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE "invoices" SET "total_minor" = "total_minor" + (NEW."net_minor" + NEW."tax_minor") WHERE "id" = NEW."invoice_id";
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "invoice_lines_total" AFTER INSERT OR UPDATE OR DELETE ON "invoice_lines"
  FOR EACH ROW EXECUTE FUNCTION "invoice_lines_total"();--> statement-breakpoint
CREATE FUNCTION "credit_note_lines_total"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE "credit_notes" SET "total_minor" = "total_minor" - (OLD."net_minor" + OLD."tax_minor") WHERE "id" = OLD."credit_note_id";
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE "credit_notes" SET "total_minor" = "total_minor" + (NEW."net_minor" + NEW."tax_minor") WHERE "id" = NEW."credit_note_id";
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "credit_note_lines_total" AFTER INSERT OR UPDATE OR DELETE ON "credit_note_lines"
  FOR EACH ROW EXECUTE FUNCTION "credit_note_lines_total"();--> statement-breakpoint
-- Allocations: inserted, or undone once; each moves its source's and its invoice's figures, source
-- first (one lock order). The CHECK constraints of those rows then hold the limits.
CREATE FUNCTION "allocations_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta bigint;
  source_customer uuid;
  source_currency char(3);
  source_live boolean;
  invoice_customer uuid;
  invoice_currency char(3);
  invoice_status invoice_status;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD."undone_at" IS NULL THEN
      RAISE EXCEPTION 'an allocation that stands is undone, not deleted'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'allocations_only_undone';
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW."undone_at" IS NOT NULL THEN
      RAISE EXCEPTION 'an allocation is made standing' USING ERRCODE = 'check_violation', CONSTRAINT = 'allocations_only_undone';
    END IF;
    delta := NEW."amount_minor";
  ELSE
    IF OLD."undone_at" IS NOT NULL OR NEW."undone_at" IS NULL
       OR (NEW."organisation_id", NEW."invoice_id", NEW."payment_id", NEW."credit_note_id", NEW."amount_minor", NEW."created_at")
          IS DISTINCT FROM (OLD."organisation_id", OLD."invoice_id", OLD."payment_id", OLD."credit_note_id", OLD."amount_minor", OLD."created_at") THEN
      RAISE EXCEPTION 'an allocation never changes; it is undone once'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'allocations_only_undone';
    END IF;
    delta := -OLD."amount_minor";
  END IF;
  IF NEW."payment_id" IS NOT NULL THEN
    UPDATE "payments" SET "allocated_minor" = "allocated_minor" + delta, "version" = "version" + 1, "updated_at" = clock_timestamp()
      WHERE "id" = NEW."payment_id"
      RETURNING "customer_id", "currency", "status" = 'RECEIVED' INTO source_customer, source_currency, source_live;
  ELSE
    UPDATE "credit_notes" SET "allocated_minor" = "allocated_minor" + delta, "version" = "version" + 1, "updated_at" = clock_timestamp()
      WHERE "id" = NEW."credit_note_id"
      RETURNING "customer_id", "currency", "status" = 'ISSUED' INTO source_customer, source_currency, source_live;
  END IF;
  UPDATE "invoices" SET
      "paid_minor" = "paid_minor" + CASE WHEN NEW."payment_id" IS NOT NULL THEN delta ELSE 0 END,
      "credited_minor" = "credited_minor" + CASE WHEN NEW."credit_note_id" IS NOT NULL THEN delta ELSE 0 END,
      "status" = CASE WHEN "status" IN ('DRAFT', 'VOID') THEN "status"
        ELSE (CASE WHEN "paid_minor" + "credited_minor" + delta >= "total_minor" THEN 'PAID'
                   WHEN "paid_minor" + "credited_minor" + delta = 0 THEN 'ISSUED' ELSE 'PART_PAID' END)::invoice_status END,
      "version" = "version" + 1, "updated_at" = clock_timestamp()
    WHERE "id" = NEW."invoice_id"
    RETURNING "customer_id", "currency", "status" INTO invoice_customer, invoice_currency, invoice_status;
  IF delta > 0 THEN
    IF NOT source_live THEN
      RAISE EXCEPTION 'a reversed payment or a void credit note cannot be allocated'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'allocations_source_live';
    END IF;
    IF invoice_status IN ('DRAFT', 'VOID') THEN
      RAISE EXCEPTION 'only an issued invoice takes allocations' USING ERRCODE = 'check_violation', CONSTRAINT = 'allocations_invoice_issued';
    END IF;
    IF invoice_customer <> source_customer OR invoice_currency <> source_currency THEN
      RAISE EXCEPTION 'a payment or credit note is allocated only to invoices of its customer, in its currency'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'allocations_same_customer_and_currency';
    END IF;
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "allocations_apply" BEFORE INSERT OR UPDATE OR DELETE ON "allocations"
  FOR EACH ROW EXECUTE FUNCTION "allocations_apply"();--> statement-breakpoint
-- Every organisation has the usual payment methods to start with (its admins edit the list).
CREATE FUNCTION "organisations_default_payment_methods"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "payment_methods" ("organisation_id", "name")
    SELECT NEW."id", m FROM unnest(ARRAY['Cash', 'Cheque', 'Card', 'Bank transfer', 'Direct debit']) AS m;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "organisations_default_payment_methods" AFTER INSERT ON "organisations"
  FOR EACH ROW EXECUTE FUNCTION "organisations_default_payment_methods"();--> statement-breakpoint
INSERT INTO "payment_methods" ("organisation_id", "name")
  SELECT o."id", m FROM "organisations" o, unnest(ARRAY['Cash', 'Cheque', 'Card', 'Bank transfer', 'Direct debit']) AS m;
