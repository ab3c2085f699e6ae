-- Monitoring (ADR 0011). An alert's events and history are evidence: append-only. Alerts, rules,
-- sources and enhanced-monitoring records change state but are never deleted. Daily counts and
-- audit events are not guarded: the retention sweep deletes audit events past the trust's period.
CREATE TRIGGER alert_events_append_only BEFORE UPDATE OR DELETE ON alert_events FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER alert_entries_append_only BEFORE UPDATE OR DELETE ON alert_entries FOR EACH ROW EXECUTE FUNCTION countersign_reject_change();
--> statement-breakpoint
CREATE TRIGGER alerts_never_deleted BEFORE DELETE ON alerts FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER monitoring_rules_never_deleted BEFORE DELETE ON monitoring_rules FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER monitoring_sources_never_deleted BEFORE DELETE ON monitoring_sources FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
CREATE TRIGGER enhanced_monitoring_never_deleted BEFORE DELETE ON enhanced_monitoring FOR EACH ROW EXECUTE FUNCTION countersign_reject_delete();
--> statement-breakpoint
ALTER TABLE enhanced_monitoring ADD CONSTRAINT enhanced_monitoring_dates CHECK (ends_on >= starts_on);
--> statement-breakpoint
ALTER TABLE enhanced_monitoring ADD CONSTRAINT enhanced_monitoring_reason CHECK (length(trim(reason)) > 0);
--> statement-breakpoint
ALTER TABLE alerts ADD CONSTRAINT alerts_status_known CHECK (status IN ('open', 'acknowledged', 'closed'));
--> statement-breakpoint
ALTER TABLE alerts ADD CONSTRAINT alerts_severity_known CHECK (severity IN ('low', 'medium', 'high'));
--> statement-breakpoint
-- A closed alert has an outcome, so every closed alert counts in the false-positive figures.
ALTER TABLE alerts ADD CONSTRAINT alerts_closed_with_outcome CHECK (status <> 'closed' OR outcome IS NOT NULL);
--> statement-breakpoint
ALTER TABLE alerts ADD CONSTRAINT alerts_outcome_known CHECK (outcome IS NULL OR outcome IN ('true_positive', 'false_positive'));
--> statement-breakpoint
-- A false positive is never escalated to a concern.
ALTER TABLE alerts ADD CONSTRAINT alerts_escalated_true CHECK (concern_id IS NULL OR outcome = 'true_positive');
--> statement-breakpoint
ALTER TABLE alerts ADD CONSTRAINT alerts_events_ordered CHECK (last_event_at >= first_event_at AND event_count >= 1);
--> statement-breakpoint
ALTER TABLE monitoring_rules ADD CONSTRAINT monitoring_rules_severity_known CHECK (severity IN ('low', 'medium', 'high'));
--> statement-breakpoint
ALTER TABLE monitoring_rules ADD CONSTRAINT monitoring_rules_terms CHECK (kind = 'category' OR cardinality(terms) > 0);
--> statement-breakpoint
ALTER TABLE monitoring_rules ADD CONSTRAINT monitoring_rules_times CHECK (time_mode = 'any' OR (time_from IS NOT NULL AND time_to IS NOT NULL));
