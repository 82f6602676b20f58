CREATE INDEX "invoices_unsettled_idx" ON "invoices" USING btree ("customer_id") WHERE "invoices"."status" <> 'DRAFT' and "invoices"."paid_minor" + "invoices"."credited_minor" < "invoices"."total_minor";--> statement-breakpoint
CREATE INDEX "invoices_sales_idx" ON "invoices" USING btree ("customer_id","currency","issue_date","status","voided_at","total_minor","organisation_id");--> statement-breakpoint
CREATE INDEX "allocations_created_idx" ON "allocations" USING btree ("organisation_id","created_at");--> statement-breakpoint
CREATE INDEX "allocations_undone_idx" ON "allocations" USING btree ("organisation_id","undone_at") WHERE "allocations"."undone_at" is not null;--> statement-breakpoint
CREATE INDEX "payments_unallocated_idx" ON "payments" USING btree ("customer_id") WHERE "payments"."allocated_minor" < "payments"."amount_minor";--> statement-breakpoint
CREATE INDEX "payments_received_idx" ON "payments" USING btree ("customer_id","received_on","created_at");