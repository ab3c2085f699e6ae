import type { Actor } from '../modules/auth/actor.ts';
import { type Action, can } from '../modules/auth/authorize.ts';
import type { NavItem } from '../ui/page-context.tsx';

type Entry = NavItem & { action?: Action; demoOnly?: boolean };

/** Header links; each module adds its own, shown only to people who may use them. */
const ENTRIES: Entry[] = [
  { href: '/', label: 'Home' },
  { href: '/agreements', label: 'My agreements' },
  { href: '/concerns/new', label: 'Report a concern' },
  { href: '/concerns', label: 'Concerns', action: 'concerns.list' },
  { href: '/logbook', label: 'Online-safety logbook', action: 'logbook.view' },
  { href: '/breaches', label: 'Data breaches', action: 'breaches.register' },
  { href: '/monitoring', label: 'Monitoring alerts', action: 'monitoring.alerts' },
  { href: '/non-compliance', label: 'Non-compliance', action: 'noncompliance.view' },
  { href: '/devices', label: 'My devices' },
  { href: '/requests/mine', label: 'My requests' },
  { href: '/it', label: 'IT dashboard', action: 'itDashboard.view' },
  { href: '/assets', label: 'Assets and loans', action: 'assets.view' },
  { href: '/devices/review', label: 'Personal devices', action: 'byod.review' },
  { href: '/requests', label: 'Requests', action: 'requests.list' },
  { href: '/cloud-services', label: 'Cloud services', action: 'cloudServices.manage' },
  { href: '/monitoring/sources', label: 'Monitoring sources', action: 'monitoring.upload' },
  { href: '/monitoring/rules', label: 'Alert rules', action: 'monitoring.rules' },
  { href: '/monitoring/enhanced', label: 'Enhanced monitoring', action: 'monitoring.enhancedView' },
  { href: '/monitoring/sign-ins', label: 'Sign-ins and file deletions', action: 'monitoring.auditEvents' },
  { href: '/people', label: 'People', action: 'people.list' },
  { href: '/policies', label: 'Policies', action: 'policies.list' },
  { href: '/reviews', label: 'Reviews', action: 'policies.list' },
  { href: '/assignments', label: 'Assignments', action: 'agreements.assign' },
  { href: '/compliance', label: 'Compliance', action: 'compliance.view' },
  { href: '/schools', label: 'Schools', action: 'schools.manage' },
  { href: '/audit', label: 'Audit log', action: 'audit.view' },
  { href: '/settings', label: 'Settings', action: 'apiKeys.manage' },
  { href: '/outbox', label: 'Outbox', action: 'outbox.view', demoOnly: true },
];

export function navFor(actor: Actor | null, demo: boolean): NavItem[] {
  if (actor?.type !== 'person') return [];
  return ENTRIES.filter((e) => (!e.demoOnly || demo) && (!e.action || can(actor, e.action, { trustId: actor.trustId }))).map(({ href, label }) => ({
    href,
    label,
  }));
}
