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
ALTER TABLE "event_anomaly" ADD CONSTRAINT "event_anomaly_event_pk_epcis_event_id_fk" FOREIGN KEY ("event_pk") REFERENCES "public"."epcis_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "capture_job_partner_idx" ON "capture_job" USING btree ("partner_gln","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "event_anomaly_event_code_uq" ON "event_anomaly" USING btree ("event_pk","code");