CREATE TABLE "acknowledgement_scans" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"uploaded_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "acknowledgement_scans_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "acknowledgements" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigint NOT NULL,
	"assignment_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"person_name" text NOT NULL,
	"person_email" text NOT NULL,
	"school_names" text NOT NULL,
	"policy_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"policy_title" text NOT NULL,
	"version_label" text NOT NULL,
	"content_sha256" text NOT NULL,
	"declaration_text" text NOT NULL,
	"statements" jsonb NOT NULL,
	"typed_name" text NOT NULL,
	"position" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"auth_method" text NOT NULL,
	"ip" text,
	"user_agent" text,
	"recorded_by_id" uuid,
	"recorded_by_name" text,
	"proxy_note" text,
	"scan_id" uuid,
	"scan_sha256" text,
	"imported" boolean DEFAULT false NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "acknowledgements_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "acknowledgements_seq_unique" UNIQUE("trust_id","seq"),
	CONSTRAINT "acknowledgements_assignment_unique" UNIQUE("trust_id","assignment_id")
);
--> statement-breakpoint
CREATE TABLE "assignments" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid,
	"policy_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"due_on" date NOT NULL,
	"source" text NOT NULL,
	"round" integer DEFAULT 1 NOT NULL,
	"assigned_at" timestamp with time zone DEFAULT now() NOT NULL,
	"assigned_by" uuid,
	"acknowledgement_id" uuid,
	"signed_at" timestamp with time zone,
	"replaced_at" timestamp with time zone,
	"replaced_by_id" uuid,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_reason" text,
	CONSTRAINT "assignments_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "assignments_round_unique" UNIQUE("trust_id","version_id","person_id","round")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"policy_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"audience" jsonb NOT NULL,
	"due_on" date NOT NULL,
	"onboarding_days" integer,
	"reminder_days_before" jsonb DEFAULT '[7,1,0]'::jsonb NOT NULL,
	"overdue_every_days" integer DEFAULT 7 NOT NULL,
	"escalate_manager_after_days" integer DEFAULT 7,
	"escalate_head_after_days" integer DEFAULT 14,
	"resign_days" integer DEFAULT 28 NOT NULL,
	"previous_campaign_id" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"closed_reason" text,
	CONSTRAINT "campaigns_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "chain_heads" (
	"trust_id" uuid PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL,
	"last_hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "magic_links" ADD COLUMN "next_path" text;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "resign_every_months" integer;--> statement-breakpoint
ALTER TABLE "acknowledgement_scans" ADD CONSTRAINT "acknowledgement_scans_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acknowledgements" ADD CONSTRAINT "acknowledgements_trust_id_assignment_id_assignments_trust_id_id_fk" FOREIGN KEY ("trust_id","assignment_id") REFERENCES "public"."assignments"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acknowledgements" ADD CONSTRAINT "acknowledgements_trust_id_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acknowledgements" ADD CONSTRAINT "acknowledgements_trust_id_version_id_policy_versions_trust_id_id_fk" FOREIGN KEY ("trust_id","version_id") REFERENCES "public"."policy_versions"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acknowledgements" ADD CONSTRAINT "acknowledgements_trust_id_scan_id_acknowledgement_scans_trust_id_id_fk" FOREIGN KEY ("trust_id","scan_id") REFERENCES "public"."acknowledgement_scans"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_trust_id_policy_id_policies_trust_id_id_fk" FOREIGN KEY ("trust_id","policy_id") REFERENCES "public"."policies"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_trust_id_version_id_policy_versions_trust_id_id_fk" FOREIGN KEY ("trust_id","version_id") REFERENCES "public"."policy_versions"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_trust_id_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_trust_id_campaign_id_campaigns_trust_id_id_fk" FOREIGN KEY ("trust_id","campaign_id") REFERENCES "public"."campaigns"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_trust_id_policy_id_policies_trust_id_id_fk" FOREIGN KEY ("trust_id","policy_id") REFERENCES "public"."policies"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_trust_id_version_id_policy_versions_trust_id_id_fk" FOREIGN KEY ("trust_id","version_id") REFERENCES "public"."policy_versions"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chain_heads" ADD CONSTRAINT "chain_heads_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "acknowledgements_person_idx" ON "acknowledgements" USING btree ("trust_id","person_id");--> statement-breakpoint
CREATE INDEX "acknowledgements_version_idx" ON "acknowledgements" USING btree ("trust_id","version_id");--> statement-breakpoint
CREATE INDEX "acknowledgements_signed_idx" ON "acknowledgements" USING btree ("trust_id","signed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "assignments_one_current" ON "assignments" USING btree ("trust_id","policy_id","person_id") WHERE "assignments"."replaced_at" is null and "assignments"."withdrawn_at" is null;--> statement-breakpoint
CREATE INDEX "assignments_version_idx" ON "assignments" USING btree ("trust_id","version_id");--> statement-breakpoint
CREATE INDEX "assignments_person_idx" ON "assignments" USING btree ("trust_id","person_id");--> statement-breakpoint
CREATE INDEX "assignments_due_idx" ON "assignments" USING btree ("due_on") WHERE "assignments"."acknowledgement_id" is null and "assignments"."replaced_at" is null and "assignments"."withdrawn_at" is null;--> statement-breakpoint
CREATE INDEX "campaigns_version_idx" ON "campaigns" USING btree ("trust_id","version_id");