CREATE TABLE "activity_daily" (
	"trust_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"day" date NOT NULL,
	"username" text NOT NULL,
	"person_id" uuid,
	"category" text NOT NULL,
	"action" text NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "activity_daily_trust_id_source_id_day_username_category_action_pk" PRIMARY KEY("trust_id","source_id","day","username","category","action")
);
--> statement-breakpoint
CREATE TABLE "alert_entries" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"alert_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"by" uuid,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_entries_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "alert_events" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"alert_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"url" text,
	"action" text,
	"device" text,
	"ip" text,
	"detail" text,
	"matched" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_events_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"source_id" uuid NOT NULL,
	"school_id" uuid,
	"person_id" uuid,
	"username" text,
	"ip" text,
	"subject_key" text NOT NULL,
	"category" text NOT NULL,
	"severity" text NOT NULL,
	"rule_id" uuid NOT NULL,
	"rule_name" text NOT NULL,
	"audience" text NOT NULL,
	"enhanced" boolean DEFAULT false NOT NULL,
	"first_event_at" timestamp with time zone NOT NULL,
	"last_event_at" timestamp with time zone NOT NULL,
	"event_count" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"outcome" text,
	"outcome_note" text,
	"outcome_by" uuid,
	"outcome_at" timestamp with time zone,
	"acknowledged_by" uuid,
	"acknowledged_at" timestamp with time zone,
	"closed_by" uuid,
	"closed_at" timestamp with time zone,
	"concern_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"notified_at" timestamp with time zone,
	CONSTRAINT "alerts_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "enhanced_monitoring" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"starts_on" date NOT NULL,
	"ends_on" date NOT NULL,
	"reason" text NOT NULL,
	"set_by" uuid NOT NULL,
	"set_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"ended_by" uuid,
	"end_reason" text,
	CONSTRAINT "enhanced_monitoring_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "monitoring_audit_events" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"source_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"username" text,
	"person_id" uuid,
	"outcome" text,
	"location" text,
	"device" text,
	"ip" text,
	"path" text,
	"detail" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "monitoring_audit_events_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "monitoring_rules" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"category" text NOT NULL,
	"terms" text[] NOT NULL,
	"severity" text NOT NULL,
	"action" text DEFAULT 'any' NOT NULL,
	"time_mode" text DEFAULT 'any' NOT NULL,
	"time_from" text,
	"time_to" text,
	"applies_to" text DEFAULT 'everyone' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "monitoring_rules_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "monitoring_sources" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"school_ids" uuid[] NOT NULL,
	"username_match" text NOT NULL,
	"api_key_id" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone,
	CONSTRAINT "monitoring_sources_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "monitoring_uploads" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"source_id" uuid NOT NULL,
	"format" text NOT NULL,
	"columns" jsonb,
	"file_name" text NOT NULL,
	"file_bytes" bigint NOT NULL,
	"sha256" text,
	"file_path" text,
	"via" text NOT NULL,
	"status" text NOT NULL,
	"bytes_read" bigint DEFAULT 0 NOT NULL,
	"lines_read" bigint DEFAULT 0 NOT NULL,
	"events_accepted" bigint DEFAULT 0 NOT NULL,
	"malformed_count" bigint DEFAULT 0 NOT NULL,
	"malformed" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"future_count" bigint DEFAULT 0 NOT NULL,
	"unmatched_usernames" integer DEFAULT 0 NOT NULL,
	"alerts_raised" integer DEFAULT 0 NOT NULL,
	"alerts_extended" integer DEFAULT 0 NOT NULL,
	"error" text,
	"uploaded_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	CONSTRAINT "monitoring_uploads_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "monitoring_usernames" (
	"trust_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"username" text NOT NULL,
	"person_id" uuid,
	"mapped_by" uuid,
	"mapped_at" timestamp with time zone,
	"not_staff" boolean DEFAULT false NOT NULL,
	"first_seen_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"event_count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "monitoring_usernames_trust_id_source_id_username_pk" PRIMARY KEY("trust_id","source_id","username")
);
--> statement-breakpoint
ALTER TABLE "alert_entries" ADD CONSTRAINT "alert_entries_trust_id_alert_id_alerts_trust_id_id_fk" FOREIGN KEY ("trust_id","alert_id") REFERENCES "public"."alerts"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_trust_id_alert_id_alerts_trust_id_id_fk" FOREIGN KEY ("trust_id","alert_id") REFERENCES "public"."alerts"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_trust_id_source_id_monitoring_sources_trust_id_id_fk" FOREIGN KEY ("trust_id","source_id") REFERENCES "public"."monitoring_sources"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_trust_id_rule_id_monitoring_rules_trust_id_id_fk" FOREIGN KEY ("trust_id","rule_id") REFERENCES "public"."monitoring_rules"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_trust_id_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enhanced_monitoring" ADD CONSTRAINT "enhanced_monitoring_trust_id_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_audit_events" ADD CONSTRAINT "monitoring_audit_events_trust_id_source_id_monitoring_sources_trust_id_id_fk" FOREIGN KEY ("trust_id","source_id") REFERENCES "public"."monitoring_sources"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_uploads" ADD CONSTRAINT "monitoring_uploads_trust_id_source_id_monitoring_sources_trust_id_id_fk" FOREIGN KEY ("trust_id","source_id") REFERENCES "public"."monitoring_sources"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_usernames" ADD CONSTRAINT "monitoring_usernames_trust_id_source_id_monitoring_sources_trust_id_id_fk" FOREIGN KEY ("trust_id","source_id") REFERENCES "public"."monitoring_sources"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_usernames" ADD CONSTRAINT "monitoring_usernames_trust_id_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "activity_daily_person_idx" ON "activity_daily" USING btree ("trust_id","person_id","day");--> statement-breakpoint
CREATE INDEX "alert_entries_alert_idx" ON "alert_entries" USING btree ("trust_id","alert_id","at");--> statement-breakpoint
CREATE INDEX "alert_events_alert_idx" ON "alert_events" USING btree ("trust_id","alert_id","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_reference_unique" ON "alerts" USING btree ("trust_id","reference");--> statement-breakpoint
CREATE INDEX "alerts_throttle_idx" ON "alerts" USING btree ("trust_id","subject_key","category","rule_id","last_event_at") WHERE "alerts"."status" <> 'closed';--> statement-breakpoint
CREATE INDEX "alerts_status_idx" ON "alerts" USING btree ("trust_id","status","severity");--> statement-breakpoint
CREATE INDEX "alerts_created_idx" ON "alerts" USING btree ("trust_id","first_event_at");--> statement-breakpoint
CREATE INDEX "alerts_person_idx" ON "alerts" USING btree ("trust_id","person_id");--> statement-breakpoint
CREATE INDEX "enhanced_monitoring_person_idx" ON "enhanced_monitoring" USING btree ("trust_id","person_id");--> statement-breakpoint
CREATE INDEX "monitoring_audit_events_time_idx" ON "monitoring_audit_events" USING btree ("trust_id","occurred_at");--> statement-breakpoint
CREATE INDEX "monitoring_audit_events_person_idx" ON "monitoring_audit_events" USING btree ("trust_id","person_id","occurred_at");--> statement-breakpoint
CREATE INDEX "monitoring_audit_events_username_idx" ON "monitoring_audit_events" USING btree ("trust_id","username","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "monitoring_rules_name_unique" ON "monitoring_rules" USING btree ("trust_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "monitoring_sources_name_unique" ON "monitoring_sources" USING btree ("trust_id",lower("name"));--> statement-breakpoint
CREATE INDEX "monitoring_sources_key_idx" ON "monitoring_sources" USING btree ("api_key_id");--> statement-breakpoint
CREATE INDEX "monitoring_uploads_source_idx" ON "monitoring_uploads" USING btree ("trust_id","source_id","created_at");