-- A policy version is evidence once it leaves draft: staff sign exactly what it said. The database
-- refuses to change its text, its label or its approval record afterwards, allows only the forward
-- steps draft -> approved -> published -> superseded, and refuses to delete anything but a draft.
CREATE OR REPLACE FUNCTION countersign_policy_version_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'policy version % is %: only drafts can be deleted', OLD.label, OLD.status USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'draft' THEN
    IF NEW.status NOT IN ('draft', 'approved') THEN
      RAISE EXCEPTION 'a draft policy version must be approved before it is %', NEW.status USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.content IS DISTINCT FROM OLD.content OR NEW.content_sha256 IS DISTINCT FROM OLD.content_sha256
     OR NEW.label IS DISTINCT FROM OLD.label OR NEW.policy_id IS DISTINCT FROM OLD.policy_id
     OR NEW.approved_at IS DISTINCT FROM OLD.approved_at OR NEW.approved_by IS DISTINCT FROM OLD.approved_by
     OR NEW.approval_body IS DISTINCT FROM OLD.approval_body OR NEW.approval_minutes_ref IS DISTINCT FROM OLD.approval_minutes_ref THEN
    RAISE EXCEPTION 'policy version % is %: its text and approval cannot change', OLD.label, OLD.status USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'published' AND (NEW.published_at IS DISTINCT FROM OLD.published_at OR NEW.effective_from IS DISTINCT FROM OLD.effective_from
     OR NEW.material IS DISTINCT FROM OLD.material OR NEW.material_reason IS DISTINCT FROM OLD.material_reason) THEN
    RAISE EXCEPTION 'policy version % is published: its publication record cannot change', OLD.label USING ERRCODE = 'restrict_violation';
  END IF;
  IF NOT ((OLD.status = NEW.status)
       OR (OLD.status = 'approved' AND NEW.status IN ('published', 'superseded'))
       OR (OLD.status = 'published' AND NEW.status = 'superseded')) THEN
    RAISE EXCEPTION 'policy version % cannot go from % to %', OLD.label, OLD.status, NEW.status USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'superseded' THEN
    RAISE EXCEPTION 'policy version % is superseded and cannot change', OLD.label USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER policy_versions_guard
  BEFORE UPDATE OR DELETE ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION countersign_policy_version_guard();
--> statement-breakpoint
CREATE TRIGGER policy_reviews_append_only
  BEFORE UPDATE OR DELETE ON policy_reviews
  FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
