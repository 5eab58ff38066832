ALTER TABLE "event_epc" DROP CONSTRAINT "event_epc_event_pk_epcis_event_id_fk";
--> statement-breakpoint
DROP INDEX "event_epc_gtin_lot_idx";--> statement-breakpoint
ALTER TABLE "event_epc" DROP CONSTRAINT "event_epc_event_pk_role_epc_key_pk";--> statement-breakpoint
CREATE INDEX "event_epc_event_idx" ON "event_epc" USING btree ("event_pk");--> statement-breakpoint
CREATE INDEX "event_epc_gtin_lot_idx" ON "event_epc" USING btree ("gtin","lot") WHERE "event_epc"."lot" IS NOT NULL;