-- Evidence tables are append-only. The database itself refuses to change or remove a row, so no
-- code path (or a hand-typed SQL session) can quietly rewrite history. Later modules attach the
-- same trigger to their own evidence tables.
CREATE OR REPLACE FUNCTION countersign_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rows in % are append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_reject_change();
