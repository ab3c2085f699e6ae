import { Tag } from '../../../../ui/components.tsx';
import { ALERT_SEVERITIES, ALERT_STATUSES, type AlertSeverity, type AlertStatus } from '../../schema.ts';

export const alertHref = (reference: string, rest = '') => `/monitoring/alerts/${encodeURIComponent(reference)}${rest}`;

export const MONITORING_CRUMBS = [
  { href: '/', label: 'Home' },
  { href: '/monitoring', label: 'Monitoring' },
];
export const ALERTS_CRUMBS = [...MONITORING_CRUMBS, { href: '/monitoring/alerts', label: 'Alerts' }];

export function SeverityTag({ severity }: { severity: AlertSeverity }) {
  const s = ALERT_SEVERITIES[severity];
  return <Tag tone={s.tone}>{s.label}</Tag>;
}

export function StatusTag({ status }: { status: AlertStatus }) {
  const s = ALERT_STATUSES[status];
  return <Tag tone={s.tone}>{s.label}</Tag>;
}

export const titleFor = (title: string, errors?: Record<string, string>) => (errors && Object.keys(errors).length ? `Error: ${title}` : title);

/** Who an alert is about, in a list: the person's name, else the username, else the computer. */
export function Subject({ personName, username, ip }: { personName: string | null; username: string | null; ip: string | null }) {
  if (personName) return <>{personName}</>;
  if (username)
    return (
      <>
        {username} <span className="cs-muted">(not in the directory)</span>
      </>
    );
  return <>{ip ? `Computer ${ip}` : <span className="cs-muted">Unknown</span>}</>;
}
