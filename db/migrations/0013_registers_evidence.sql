-- Registers are records people may have to prove later: an asset's history and a request's files
-- are append-only; nothing else here is ever deleted (a disposed device, a closed registration, a
-- refused request all stay).
CREATE TRIGGER asset_events_append_only BEFORE UPDATE OR DELETE ON asset_events FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER request_files_append_only BEFORE UPDATE OR DELETE ON request_files FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER loan_agreement_versions_append_only BEFORE UPDATE OR DELETE ON loan_agreement_versions FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER asset_disposals_append_only BEFORE UPDATE OR DELETE ON asset_disposals FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER assets_never_deleted BEFORE DELETE ON assets FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER loans_never_deleted BEFORE DELETE ON loans FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER loan_items_never_deleted BEFORE DELETE ON loan_items FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER byod_devices_never_deleted BEFORE DELETE ON byod_devices FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER byod_attestations_never_deleted BEFORE DELETE ON byod_attestations FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER requests_never_deleted BEFORE DELETE ON requests FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER cloud_services_never_deleted BEFORE DELETE ON cloud_services FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
-- The return clock is 72 hours from the request (003 §7.2), whoever writes the row.
ALTER TABLE loans ADD CONSTRAINT loans_return_due_72h CHECK (return_requested_at IS NULL OR return_due_at = return_requested_at + interval '72 hours');
--> statement-breakpoint
ALTER TABLE assets ADD CONSTRAINT assets_status_known CHECK (status IN ('in_stock', 'on_loan', 'in_repair', 'lost', 'stolen', 'disposed'));
