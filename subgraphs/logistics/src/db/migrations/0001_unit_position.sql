CREATE TABLE "unit_position" (
	"unit_key" text PRIMARY KEY NOT NULL,
	"event_pk" bigint NOT NULL,
	"event_time" timestamp with time zone NOT NULL,
	"step_rank" smallint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "unit_position_state" (
	"id" smallint PRIMARY KEY NOT NULL,
	"filled_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- A new node's table is complete from the start (capture keeps it current); a node with events already
-- fills it from history on first use (positions-store.ts ensureUnitPositions).
INSERT INTO "unit_position_state" ("id", "filled_at") SELECT 1, now() WHERE NOT EXISTS (SELECT 1 FROM "epcis_event");
