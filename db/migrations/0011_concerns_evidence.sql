-- Concerns are records that may be read out at a tribunal or an ICO inquiry. The chronology, the
-- attachments and the record of who looked are append-only; nothing else in this area is ever
-- deleted (a closed concern stays, a done action stays). Corrections are new chronology entries.
CREATE OR REPLACE FUNCTION countersign_reject_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rows in % are never deleted', TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER concern_entries_append_only BEFORE UPDATE OR DELETE ON concern_entries FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER concern_entries_no_truncate BEFORE TRUNCATE ON concern_entries FOR EACH STATEMENT EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER concern_attachments_append_only BEFORE UPDATE OR DELETE ON concern_attachments FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER concern_attachments_no_truncate BEFORE TRUNCATE ON concern_attachments FOR EACH STATEMENT EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER record_views_append_only BEFORE UPDATE OR DELETE ON record_views FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER record_views_no_truncate BEFORE TRUNCATE ON record_views FOR EACH STATEMENT EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER concerns_never_deleted BEFORE DELETE ON concerns FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER concerns_no_truncate BEFORE TRUNCATE ON concerns FOR EACH STATEMENT EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER concern_people_never_deleted BEFORE DELETE ON concern_people FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER concern_recipients_never_deleted BEFORE DELETE ON concern_recipients FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER concern_actions_never_deleted BEFORE DELETE ON concern_actions FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER breaches_never_deleted BEFORE DELETE ON breaches FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER device_losses_never_deleted BEFORE DELETE ON device_losses FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER noncompliance_never_deleted BEFORE DELETE ON noncompliance FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER noncompliance_no_truncate BEFORE TRUNCATE ON noncompliance FOR EACH STATEMENT EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER action_plan_items_never_deleted BEFORE DELETE ON action_plan_items FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER training_needs_never_deleted BEFORE DELETE ON training_needs FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
-- The ICO deadline is always 72 hours after discovery, whoever writes the row.
ALTER TABLE breaches ADD CONSTRAINT breaches_ico_due_72h CHECK (ico_due_at = discovered_at + interval '72 hours');
--> statement-breakpoint
ALTER TABLE breaches ADD CONSTRAINT breaches_decision_reasons CHECK (decision IS NULL OR length(coalesce(decision_reasons, '')) > 0);
--> statement-breakpoint
ALTER TABLE device_losses ADD CONSTRAINT device_losses_stolen_crime_ref CHECK (kind <> 'stolen' OR length(coalesce(crime_reference, '')) > 0);
--> statement-breakpoint
ALTER TABLE noncompliance ADD CONSTRAINT noncompliance_person_or_group CHECK (person_id IS NOT NULL OR length(coalesce(group_description, '')) > 0);
