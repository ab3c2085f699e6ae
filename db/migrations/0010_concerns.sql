CREATE TABLE "breaches" (
	"trust_id" uuid NOT NULL,
	"concern_id" uuid NOT NULL,
	"discovered_at" timestamp with time zone NOT NULL,
	"ico_due_at" timestamp with time zone NOT NULL,
	"data_involved" text,
	"people_affected" integer,
	"decision" text,
	"decision_reasons" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"ico_reference" text,
	"ico_notified_at" timestamp with time zone,
	"individuals_told" text,
	"individuals_told_at" timestamp with time zone,
	"individuals_told_note" text,
	CONSTRAINT "breaches_trust_id_concern_id_pk" PRIMARY KEY("trust_id","concern_id")
);
--> statement-breakpoint
CREATE TABLE "concern_actions" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"concern_id" uuid NOT NULL,
	"text" text NOT NULL,
	"owner_id" uuid NOT NULL,
	"due_on" date NOT NULL,
	"done_at" timestamp with time zone,
	"done_by" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "concern_actions_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "concern_attachments" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"concern_id" uuid NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"uploaded_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "concern_attachments_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "concern_entries" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"concern_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"author_id" uuid,
	"author_name" text NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"data" jsonb,
	"corrects_seq" integer,
	CONSTRAINT "concern_entries_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "concern_entries_seq_unique" UNIQUE("trust_id","concern_id","seq")
);
--> statement-breakpoint
CREATE TABLE "concern_people" (
	"trust_id" uuid NOT NULL,
	"concern_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"part" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	"added_by" uuid,
	CONSTRAINT "concern_people_trust_id_concern_id_person_id_pk" PRIMARY KEY("trust_id","concern_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "concern_recipients" (
	"trust_id" uuid NOT NULL,
	"concern_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"notified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "concern_recipients_trust_id_concern_id_person_id_pk" PRIMARY KEY("trust_id","concern_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "concerns" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"school_id" uuid NOT NULL,
	"type" text NOT NULL,
	"confidentiality" text NOT NULL,
	"urgent" boolean NOT NULL,
	"status" text DEFAULT 'new' NOT NULL,
	"reporter_id" uuid NOT NULL,
	"source" text DEFAULT 'form' NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"location" text,
	"what" text NOT NULL,
	"others_involved" text,
	"assignee_id" uuid,
	"linked_concern_id" uuid,
	"outcome" text,
	"rationale" text,
	"closed_at" timestamp with time zone,
	"closed_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "concerns_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "concerns_reference_unique" UNIQUE("trust_id","reference")
);
--> statement-breakpoint
CREATE TABLE "device_losses" (
	"trust_id" uuid NOT NULL,
	"concern_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"crime_reference" text,
	"asset_reference" text,
	"asset_id" uuid,
	"device_description" text NOT NULL,
	"held_personal_data" text NOT NULL,
	"breach_concern_id" uuid,
	CONSTRAINT "device_losses_trust_id_concern_id_pk" PRIMARY KEY("trust_id","concern_id")
);
--> statement-breakpoint
CREATE TABLE "record_views" (
	"trust_id" uuid NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "record_views_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"resource_type" text NOT NULL,
	"resource_id" uuid NOT NULL,
	"person_id" uuid,
	"person_name" text NOT NULL,
	"what" text DEFAULT 'record' NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"ip" text,
	CONSTRAINT "record_views_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "reference_counters" (
	"trust_id" uuid NOT NULL,
	"prefix" text NOT NULL,
	"year" integer NOT NULL,
	"last" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "reference_counters_trust_id_prefix_year_pk" PRIMARY KEY("trust_id","prefix","year")
);
--> statement-breakpoint
CREATE TABLE "action_plan_items" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"noncompliance_id" uuid NOT NULL,
	"text" text NOT NULL,
	"owner_id" uuid NOT NULL,
	"due_on" date NOT NULL,
	"done_at" timestamp with time zone,
	"done_by" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "action_plan_items_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "noncompliance" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"school_id" uuid,
	"person_id" uuid,
	"group_description" text,
	"policy_id" uuid,
	"version_id" uuid,
	"clause_number" text,
	"clause_text" text,
	"source_concern_id" uuid,
	"severity" text NOT NULL,
	"summary" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"review_on" date NOT NULL,
	"outcome" text,
	"sanction" text,
	"sanction_note" text,
	"outcome_by" uuid,
	"outcome_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "noncompliance_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "noncompliance_reference_unique" UNIQUE("trust_id","reference")
);
--> statement-breakpoint
CREATE TABLE "training_needs" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"noncompliance_id" uuid NOT NULL,
	"need" text NOT NULL,
	"for_whom" text,
	"met_on" date,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "training_needs_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
ALTER TABLE "breaches" ADD CONSTRAINT "breaches_trust_id_concern_id_concerns_trust_id_id_fk" FOREIGN KEY ("trust_id","concern_id") REFERENCES "public"."concerns"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concern_actions" ADD CONSTRAINT "concern_actions_trust_id_concern_id_concerns_trust_id_id_fk" FOREIGN KEY ("trust_id","concern_id") REFERENCES "public"."concerns"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concern_actions" ADD CONSTRAINT "concern_actions_trust_id_owner_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","owner_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concern_attachments" ADD CONSTRAINT "concern_attachments_trust_id_concern_id_concerns_trust_id_id_fk" FOREIGN KEY ("trust_id","concern_id") REFERENCES "public"."concerns"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concern_entries" ADD CONSTRAINT "concern_entries_trust_id_concern_id_concerns_trust_id_id_fk" FOREIGN KEY ("trust_id","concern_id") REFERENCES "public"."concerns"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concern_people" ADD CONSTRAINT "concern_people_trust_id_concern_id_concerns_trust_id_id_fk" FOREIGN KEY ("trust_id","concern_id") REFERENCES "public"."concerns"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concern_people" ADD CONSTRAINT "concern_people_trust_id_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concern_recipients" ADD CONSTRAINT "concern_recipients_trust_id_concern_id_concerns_trust_id_id_fk" FOREIGN KEY ("trust_id","concern_id") REFERENCES "public"."concerns"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concern_recipients" ADD CONSTRAINT "concern_recipients_trust_id_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concerns" ADD CONSTRAINT "concerns_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concerns" ADD CONSTRAINT "concerns_trust_id_school_id_schools_trust_id_id_fk" FOREIGN KEY ("trust_id","school_id") REFERENCES "public"."schools"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concerns" ADD CONSTRAINT "concerns_trust_id_reporter_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","reporter_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concerns" ADD CONSTRAINT "concerns_trust_id_assignee_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","assignee_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_losses" ADD CONSTRAINT "device_losses_trust_id_concern_id_concerns_trust_id_id_fk" FOREIGN KEY ("trust_id","concern_id") REFERENCES "public"."concerns"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_views" ADD CONSTRAINT "record_views_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reference_counters" ADD CONSTRAINT "reference_counters_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "action_plan_items" ADD CONSTRAINT "action_plan_items_trust_id_noncompliance_id_noncompliance_trust_id_id_fk" FOREIGN KEY ("trust_id","noncompliance_id") REFERENCES "public"."noncompliance"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "action_plan_items" ADD CONSTRAINT "action_plan_items_trust_id_owner_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","owner_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "noncompliance" ADD CONSTRAINT "noncompliance_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "noncompliance" ADD CONSTRAINT "noncompliance_trust_id_school_id_schools_trust_id_id_fk" FOREIGN KEY ("trust_id","school_id") REFERENCES "public"."schools"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "noncompliance" ADD CONSTRAINT "noncompliance_trust_id_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "noncompliance" ADD CONSTRAINT "noncompliance_trust_id_source_concern_id_concerns_trust_id_id_fk" FOREIGN KEY ("trust_id","source_concern_id") REFERENCES "public"."concerns"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_needs" ADD CONSTRAINT "training_needs_trust_id_noncompliance_id_noncompliance_trust_id_id_fk" FOREIGN KEY ("trust_id","noncompliance_id") REFERENCES "public"."noncompliance"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "breaches_open_clock_idx" ON "breaches" USING btree ("ico_due_at") WHERE "breaches"."decision" is null;--> statement-breakpoint
CREATE INDEX "concern_actions_owner_idx" ON "concern_actions" USING btree ("trust_id","owner_id") WHERE "concern_actions"."done_at" is null;--> statement-breakpoint
CREATE INDEX "concern_attachments_concern_idx" ON "concern_attachments" USING btree ("trust_id","concern_id");--> statement-breakpoint
CREATE INDEX "concern_people_person_idx" ON "concern_people" USING btree ("trust_id","person_id");--> statement-breakpoint
CREATE INDEX "concern_recipients_person_idx" ON "concern_recipients" USING btree ("trust_id","person_id");--> statement-breakpoint
CREATE INDEX "concern_recipients_pending_idx" ON "concern_recipients" USING btree ("trust_id","person_id") WHERE "concern_recipients"."notified_at" is null;--> statement-breakpoint
CREATE INDEX "concerns_school_idx" ON "concerns" USING btree ("trust_id","school_id","created_at");--> statement-breakpoint
CREATE INDEX "concerns_reporter_idx" ON "concerns" USING btree ("trust_id","reporter_id");--> statement-breakpoint
CREATE INDEX "concerns_open_idx" ON "concerns" USING btree ("trust_id","status") WHERE "concerns"."status" <> 'closed';--> statement-breakpoint
CREATE INDEX "record_views_resource_idx" ON "record_views" USING btree ("trust_id","resource_type","resource_id","at");--> statement-breakpoint
CREATE INDEX "action_plan_items_owner_idx" ON "action_plan_items" USING btree ("trust_id","owner_id") WHERE "action_plan_items"."done_at" is null;--> statement-breakpoint
CREATE INDEX "noncompliance_school_idx" ON "noncompliance" USING btree ("trust_id","school_id","created_at");--> statement-breakpoint
CREATE INDEX "noncompliance_review_idx" ON "noncompliance" USING btree ("review_on") WHERE "noncompliance"."status" = 'open';