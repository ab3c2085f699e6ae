-- Signatures are evidence: once written, the database refuses to change or remove them (and the
-- scans of paper forms behind them). A correction is a new record, never an edit.
CREATE TRIGGER acknowledgements_append_only
  BEFORE UPDATE OR DELETE ON acknowledgements
  FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER acknowledgements_no_truncate
  BEFORE TRUNCATE ON acknowledgements
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER acknowledgement_scans_append_only
  BEFORE UPDATE OR DELETE ON acknowledgement_scans
  FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER acknowledgement_scans_no_truncate
  BEFORE TRUNCATE ON acknowledgement_scans
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_reject_change();
