CREATE TABLE "capture_job" (
	"capture_id" text PRIMARY KEY NOT NULL,
	"partner_gln" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"event_count" bigint NOT NULL,
	"captured_count" bigint NOT NULL,
	"already_known_count" bigint NOT NULL,
	"retracted_count" bigint NOT NULL,
	"result" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "containment" (
	"child_key" text NOT NULL,
	"seq" smallint NOT NULL,
	"parent_key" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone,
	CONSTRAINT "containment_child_key_seq_pk" PRIMARY KEY("child_key","seq")
);
--> statement-breakpoint
CREATE TABLE "epcis_event" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"owner_gln" text NOT NULL,
	"event_type" text NOT NULL,
	"event_time" timestamp with time zone NOT NULL,
	"event_time_zone_offset" text NOT NULL,
	"record_time" timestamp with time zone DEFAULT now() NOT NULL,
	"action" text,
	"biz_step" text,
	"disposition" text,
	"read_point" text,
	"biz_location" text,
	"parent_key" text,
	"biz_transactions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"sources" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"destinations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ilmd" jsonb,
	"extensions" jsonb,
	"error_declaration" jsonb,
	"document" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_anomaly" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_pk" bigint NOT NULL,
	"code" text NOT NULL,
	"message" text NOT NULL,
	"event_ids" jsonb NOT NULL,
	"capture_id" text,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_epc" (
	"event_pk" bigint NOT NULL,
	"role" text NOT NULL,
	"epc_key" text NOT NULL,
	"gtin" text,
	"serial" text,
	"lot" text,
	"quantity" double precision,
	"uom" text,
	CONSTRAINT "event_epc_event_pk_role_epc_key_pk" PRIMARY KEY("event_pk","role","epc_key")
);
--> statement-breakpoint
CREATE TABLE "vocabulary_element" (
	"vocabulary_type" text NOT NULL,
	"key" text NOT NULL,
	"owner_gln" text NOT NULL,
	"attributes" jsonb NOT NULL,
	"children" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vocabulary_element_vocabulary_type_key_pk" PRIMARY KEY("vocabulary_type","key")
);
--> statement-breakpoint
ALTER TABLE "event_anomaly" ADD CONSTRAINT "event_anomaly_event_pk_epcis_event_id_fk" FOREIGN KEY ("event_pk") REFERENCES "public"."epcis_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_epc" ADD CONSTRAINT "event_epc_event_pk_epcis_event_id_fk" FOREIGN KEY ("event_pk") REFERENCES "public"."epcis_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "capture_job_partner_idx" ON "capture_job" USING btree ("partner_gln","created_at");--> statement-breakpoint
CREATE INDEX "containment_parent_idx" ON "containment" USING btree ("parent_key","valid_from");--> statement-breakpoint
CREATE UNIQUE INDEX "epcis_event_event_id_uq" ON "epcis_event" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "epcis_event_owner_time_idx" ON "epcis_event" USING btree ("owner_gln","event_time");--> statement-breakpoint
CREATE INDEX "epcis_event_time_idx" ON "epcis_event" USING btree ("event_time");--> statement-breakpoint
CREATE INDEX "epcis_event_biz_step_idx" ON "epcis_event" USING btree ("biz_step","event_time");--> statement-breakpoint
CREATE UNIQUE INDEX "event_anomaly_event_code_uq" ON "event_anomaly" USING btree ("event_pk","code");--> statement-breakpoint
CREATE INDEX "event_epc_key_idx" ON "event_epc" USING btree ("epc_key","event_pk");--> statement-breakpoint
CREATE INDEX "event_epc_gtin_lot_idx" ON "event_epc" USING btree ("gtin","lot");