CREATE TABLE "asset_disposals" (
	"trust_id" uuid NOT NULL,
	"asset_id" uuid NOT NULL,
	"disposed_on" date NOT NULL,
	"wipe_method" text NOT NULL,
	"wiped_by" text NOT NULL,
	"certificate_number" text NOT NULL,
	"recorded_by" uuid,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "asset_disposals_trust_id_asset_id_pk" PRIMARY KEY("trust_id","asset_id")
);
--> statement-breakpoint
CREATE TABLE "asset_events" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"asset_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"actor_name" text NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"data" jsonb,
	CONSTRAINT "asset_events_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "assets" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"tag" text NOT NULL,
	"serial" text NOT NULL,
	"type" text NOT NULL,
	"make" text,
	"model" text,
	"school_id" uuid,
	"location" text,
	"purchased_on" date,
	"order_reference" text,
	"status" text DEFAULT 'in_stock' NOT NULL,
	"notes" text,
	"source" text DEFAULT 'form' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "assets_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "assets_trust_tag_unique" UNIQUE("trust_id","tag"),
	CONSTRAINT "assets_trust_serial_unique" UNIQUE("trust_id","serial")
);
--> statement-breakpoint
CREATE TABLE "loan_agreement_versions" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"label" text NOT NULL,
	"text" text NOT NULL,
	"content_sha256" text NOT NULL,
	"published_by" uuid,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "loan_agreement_versions_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "loan_agreement_versions_label_unique" UNIQUE("trust_id","label")
);
--> statement-breakpoint
CREATE TABLE "loan_items" (
	"trust_id" uuid NOT NULL,
	"loan_id" uuid NOT NULL,
	"asset_id" uuid NOT NULL,
	"accessories" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"returned_at" timestamp with time zone,
	"condition" text,
	"accessories_missing" jsonb,
	"return_note" text,
	CONSTRAINT "loan_items_trust_id_loan_id_asset_id_pk" PRIMARY KEY("trust_id","loan_id","asset_id")
);
--> statement-breakpoint
CREATE TABLE "loans" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"person_id" uuid NOT NULL,
	"school_id" uuid,
	"status" text DEFAULT 'awaiting_signature' NOT NULL,
	"off_site" boolean DEFAULT true NOT NULL,
	"off_site_note" text,
	"issued_by" uuid,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"agreement_version_id" uuid NOT NULL,
	"signed_at" timestamp with time zone,
	"sign_method" text,
	"signed_name" text,
	"signed_ip" text,
	"signed_user_agent" text,
	"signed_snapshot" jsonb,
	"signed_sha256" text,
	"return_requested_at" timestamp with time zone,
	"return_requested_by" uuid,
	"return_due_at" timestamp with time zone,
	"return_reason" text,
	"returned_at" timestamp with time zone,
	"return_received_by" uuid,
	"return_confirmed_name" text,
	"return_snapshot" jsonb,
	"return_sha256" text,
	CONSTRAINT "loans_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "loans_reference_unique" UNIQUE("trust_id","reference")
);
--> statement-breakpoint
CREATE TABLE "byod_attestations" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"device_id" uuid NOT NULL,
	"rules" jsonb NOT NULL,
	"answers" jsonb NOT NULL,
	"attested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_on" date NOT NULL,
	"decision" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"reason" text,
	CONSTRAINT "byod_attestations_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "byod_devices" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"type" text NOT NULL,
	"make" text NOT NULL,
	"model" text,
	"os" text NOT NULL,
	"uses" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"close_reason" text,
	"close_confirmation" jsonb,
	CONSTRAINT "byod_devices_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "cloud_services" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"supplier" text NOT NULL,
	"purpose" text NOT NULL,
	"data_categories" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"dpia_done" boolean DEFAULT false NOT NULL,
	"dpia_on" date,
	"approved_by" uuid,
	"approved_on" date NOT NULL,
	"review_on" date NOT NULL,
	"status" text DEFAULT 'approved' NOT NULL,
	"withdrawn_reason" text,
	"source_request_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cloud_services_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "cloud_services_name_unique" UNIQUE("trust_id","name")
);
--> statement-breakpoint
CREATE TABLE "request_files" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"field" text NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "request_files_trust_id_id_pk" PRIMARY KEY("trust_id","id")
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"trust_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"type" text NOT NULL,
	"requester_id" uuid NOT NULL,
	"school_id" uuid,
	"answers" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"reason" text,
	"expires_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "requests_trust_id_id_pk" PRIMARY KEY("trust_id","id"),
	CONSTRAINT "requests_reference_unique" UNIQUE("trust_id","reference")
);
--> statement-breakpoint
ALTER TABLE "asset_disposals" ADD CONSTRAINT "asset_disposals_trust_id_asset_id_assets_trust_id_id_fk" FOREIGN KEY ("trust_id","asset_id") REFERENCES "public"."assets"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_events" ADD CONSTRAINT "asset_events_trust_id_asset_id_assets_trust_id_id_fk" FOREIGN KEY ("trust_id","asset_id") REFERENCES "public"."assets"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_trust_id_school_id_schools_trust_id_id_fk" FOREIGN KEY ("trust_id","school_id") REFERENCES "public"."schools"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_agreement_versions" ADD CONSTRAINT "loan_agreement_versions_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_items" ADD CONSTRAINT "loan_items_trust_id_loan_id_loans_trust_id_id_fk" FOREIGN KEY ("trust_id","loan_id") REFERENCES "public"."loans"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_items" ADD CONSTRAINT "loan_items_trust_id_asset_id_assets_trust_id_id_fk" FOREIGN KEY ("trust_id","asset_id") REFERENCES "public"."assets"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_trust_id_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_trust_id_agreement_version_id_loan_agreement_versions_trust_id_id_fk" FOREIGN KEY ("trust_id","agreement_version_id") REFERENCES "public"."loan_agreement_versions"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "byod_attestations" ADD CONSTRAINT "byod_attestations_trust_id_device_id_byod_devices_trust_id_id_fk" FOREIGN KEY ("trust_id","device_id") REFERENCES "public"."byod_devices"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "byod_devices" ADD CONSTRAINT "byod_devices_trust_id_person_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","person_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cloud_services" ADD CONSTRAINT "cloud_services_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_files" ADD CONSTRAINT "request_files_trust_id_request_id_requests_trust_id_id_fk" FOREIGN KEY ("trust_id","request_id") REFERENCES "public"."requests"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_trust_id_requester_id_people_trust_id_id_fk" FOREIGN KEY ("trust_id","requester_id") REFERENCES "public"."people"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_trust_id_school_id_schools_trust_id_id_fk" FOREIGN KEY ("trust_id","school_id") REFERENCES "public"."schools"("trust_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "asset_events_asset_idx" ON "asset_events" USING btree ("trust_id","asset_id","at");--> statement-breakpoint
CREATE INDEX "assets_status_idx" ON "assets" USING btree ("trust_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "loan_items_one_open_loan" ON "loan_items" USING btree ("trust_id","asset_id") WHERE "loan_items"."returned_at" is null;--> statement-breakpoint
CREATE INDEX "loans_person_idx" ON "loans" USING btree ("trust_id","person_id");--> statement-breakpoint
CREATE INDEX "loans_return_due_idx" ON "loans" USING btree ("return_due_at") WHERE "loans"."status" = 'return_requested';--> statement-breakpoint
CREATE INDEX "byod_attestations_device_idx" ON "byod_attestations" USING btree ("trust_id","device_id","attested_at");--> statement-breakpoint
CREATE INDEX "byod_attestations_expiry_idx" ON "byod_attestations" USING btree ("expires_on") WHERE "byod_attestations"."decision" = 'approved';--> statement-breakpoint
CREATE INDEX "byod_devices_person_idx" ON "byod_devices" USING btree ("trust_id","person_id");--> statement-breakpoint
CREATE INDEX "byod_devices_status_idx" ON "byod_devices" USING btree ("trust_id","status");--> statement-breakpoint
CREATE INDEX "requests_pending_idx" ON "requests" USING btree ("trust_id","type") WHERE "requests"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "requests_requester_idx" ON "requests" USING btree ("trust_id","requester_id");