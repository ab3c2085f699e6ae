-- The compliance dashboard keeps its answers in memory, keyed by a per-trust counter that any
-- change to what it counts moves on: assignments (assigned, signed, replaced), people (kind, line
-- manager, leaving), their schools and roles, policies, versions (in force or not) and schools.
-- (The table is in 0008.) Statement-level triggers with transition tables bump the counter once per statement and trust,
-- so assigning a policy to 10,000 people costs one update, not 10,000.
CREATE OR REPLACE FUNCTION countersign_bump_compliance_epoch_new() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO compliance_epochs (trust_id, n) SELECT DISTINCT trust_id, 1 FROM new_rows
    ON CONFLICT (trust_id) DO UPDATE SET n = compliance_epochs.n + 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION countersign_bump_compliance_epoch_old() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO compliance_epochs (trust_id, n) SELECT DISTINCT trust_id, 1 FROM old_rows
    ON CONFLICT (trust_id) DO UPDATE SET n = compliance_epochs.n + 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER assignments_compliance_epoch_insert AFTER INSERT ON assignments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER assignments_compliance_epoch_update AFTER UPDATE ON assignments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER assignments_compliance_epoch_delete AFTER DELETE ON assignments REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_old();
--> statement-breakpoint
CREATE TRIGGER people_compliance_epoch_insert AFTER INSERT ON people REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER people_compliance_epoch_update AFTER UPDATE ON people REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER people_compliance_epoch_delete AFTER DELETE ON people REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_old();
--> statement-breakpoint
CREATE TRIGGER person_schools_compliance_epoch_insert AFTER INSERT ON person_schools REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER person_schools_compliance_epoch_update AFTER UPDATE ON person_schools REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER person_schools_compliance_epoch_delete AFTER DELETE ON person_schools REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_old();
--> statement-breakpoint
CREATE TRIGGER role_assignments_compliance_epoch_insert AFTER INSERT ON role_assignments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER role_assignments_compliance_epoch_update AFTER UPDATE ON role_assignments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER role_assignments_compliance_epoch_delete AFTER DELETE ON role_assignments REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_old();
--> statement-breakpoint
CREATE TRIGGER policies_compliance_epoch_insert AFTER INSERT ON policies REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER policies_compliance_epoch_update AFTER UPDATE ON policies REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER policies_compliance_epoch_delete AFTER DELETE ON policies REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_old();
--> statement-breakpoint
CREATE TRIGGER policy_versions_compliance_epoch_insert AFTER INSERT ON policy_versions REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER policy_versions_compliance_epoch_update AFTER UPDATE ON policy_versions REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER policy_versions_compliance_epoch_delete AFTER DELETE ON policy_versions REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_old();
--> statement-breakpoint
CREATE TRIGGER schools_compliance_epoch_insert AFTER INSERT ON schools REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER schools_compliance_epoch_update AFTER UPDATE ON schools REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_new();
--> statement-breakpoint
CREATE TRIGGER schools_compliance_epoch_delete AFTER DELETE ON schools REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_compliance_epoch_old();
