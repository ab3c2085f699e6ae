CREATE TABLE "policies" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"school_id" uuid,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"owner_person_id" uuid,
	"owner_role" text,
	"approver_body" text,
	"approver_person_id" uuid,
	"category" text DEFAULT 'internal' NOT NULL,
	"statutory" boolean DEFAULT false NOT NULL,
	"publish_on_website" boolean DEFAULT false NOT NULL,
	"review_cycle_months" integer DEFAULT 12 NOT NULL,
	"related_policies" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"audiences" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_reviewed_on" date,
	"next_review_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policies_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "policies_trust_slug_unique" UNIQUE("trust_id","slug")
);
--> statement-breakpoint
CREATE TABLE "policy_history" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"policy_id" uuid NOT NULL,
	"version_label" text NOT NULL,
	"date_text" text,
	"page" text,
	"change" text,
	"origin" text,
	"position" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_history_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "policy_reviews" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"policy_id" uuid NOT NULL,
	"version_id" uuid,
	"reviewed_on" date NOT NULL,
	"reviewed_by" uuid,
	"outcome" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_reviews_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "policy_versions" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"policy_id" uuid NOT NULL,
	"label" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"content" jsonb NOT NULL,
	"content_sha256" text NOT NULL,
	"change_summary" text,
	"change_origin" text,
	"material" boolean,
	"material_reason" text,
	"approved_by" uuid,
	"approved_at" timestamp with time zone,
	"approval_body" text,
	"approval_minutes_ref" text,
	"published_by" uuid,
	"published_at" timestamp with time zone,
	"effective_from" date,
	"superseded_at" timestamp with time zone,
	"created_by" uuid,
	"origin" text DEFAULT 'blank' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_versions_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "policy_versions_label_unique" UNIQUE("trust_id","policy_id","label")
);
--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_trust_id_school_id_schools_trust_id_id_fk" FOREIGN KEY ("trust_id","school_id") REFERENCES "public"."schools"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_trust_id_owner_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","owner_person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_trust_id_approver_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","approver_person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_history" ADD CONSTRAINT "policy_history_trust_id_policy_id_policies_trust_id_id_fk" FOREIGN KEY ("trust_id","policy_id") REFERENCES "public"."policies"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_reviews" ADD CONSTRAINT "policy_reviews_trust_id_policy_id_policies_trust_id_id_fk" FOREIGN KEY ("trust_id","policy_id") REFERENCES "public"."policies"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_versions" ADD CONSTRAINT "policy_versions_trust_id_policy_id_policies_trust_id_id_fk" FOREIGN KEY ("trust_id","policy_id") REFERENCES "public"."policies"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "policies_next_review_idx" ON "policies" USING btree ("trust_id","next_review_on");--> statement-breakpoint
CREATE UNIQUE INDEX "policy_versions_one_in_force" ON "policy_versions" USING btree ("trust_id","policy_id") WHERE "policy_versions"."status" = 'published';--> statement-breakpoint
CREATE UNIQUE INDEX "policy_versions_one_draft" ON "policy_versions" USING btree ("trust_id","policy_id") WHERE "policy_versions"."status" = 'draft';