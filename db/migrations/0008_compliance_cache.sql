CREATE TABLE "compliance_epochs" (
	"trust_id" uuid PRIMARY KEY NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "compliance_epochs" ADD CONSTRAINT "compliance_epochs_trust_id_trusts_id_fk" FOREIGN KEY ("trust_id") REFERENCES "public"."trusts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "people_line_manager_idx" ON "people" USING btree ("trust_id","line_manager_id") WHERE "people"."line_manager_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "acknowledgements_id_unique" ON "acknowledgements" USING btree ("id");--> statement-breakpoint
CREATE INDEX "assignments_campaign_idx" ON "assignments" USING btree ("trust_id","campaign_id");