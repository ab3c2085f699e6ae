import { type Column, PagedTable, PageHeading } from '../../../../ui/components.tsx';
import { formatDateTime } from '../../../../ui/format.ts';
import { Button, Select, TextInput } from '../../../../ui/forms.tsx';
import { Layout } from '../../../../ui/layout.tsx';
import { categoryLabel } from '../../events.ts';
import { ALERT_SEVERITIES, ALERT_SEVERITY_CODES } from '../../schema.ts';
import { type AlertList, type AlertListQuery, type AlertListRow, STATUS_FILTERS } from '../list.ts';
import { alertHref, MONITORING_CRUMBS, SeverityTag, StatusTag, Subject } from './shared.tsx';

const FILTER_KEYS = ['status', 'severity', 'category', 'school', 'q', 'subject', 'from', 'to'] as const;

/** The list's address with the filters (and sort, page) kept; `path` '/monitoring/alerts.csv' for the same list as CSV. */
export function alertsUrl(q: Partial<AlertListQuery>, changes: Partial<AlertListQuery> = {}, path = '/monitoring/alerts') {
  const merged = { ...q, ...changes };
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = merged[key];
    if (value === undefined || (key === 'status' && value === 'active')) continue;
    params.set(key, String(value));
  }
  if ((merged.sort && merged.sort !== 'raised') || (merged.dir && merged.dir !== 'desc')) {
    params.set('sort', merged.sort ?? 'raised');
    params.set('dir', merged.dir ?? 'desc');
  }
  if (merged.page && merged.page > 1 && path === '/monitoring/alerts') params.set('page', String(merged.page));
  const s = params.toString();
  return `${path}${s ? `?${s}` : ''}`;
}

export function AlertListPage({ data }: { data: AlertList }) {
  const q = data.query;
  const columns: Column<AlertListRow>[] = [
    {
      header: 'Alert',
      sortKey: 'reference',
      cell: (r) => (
        <a className="govuk-link" href={alertHref(r.reference)}>
          {r.reference}
        </a>
      ),
    },
    { header: 'First event', sortKey: 'raised', cell: (r) => formatDateTime(r.firstEventAt) },
    { header: 'About', cell: (r) => <Subject personName={r.personName} username={r.username} ip={r.ip} /> },
    { header: 'Category', sortKey: 'category', cell: (r) => categoryLabel(r.category) },
    { header: 'Severity', sortKey: 'severity', cell: (r) => <SeverityTag severity={r.severity} /> },
    { header: 'School', sortKey: 'school', cell: (r) => r.schoolName ?? <span className="cs-muted">Trust-wide</span> },
    { header: 'Events', sortKey: 'events', numeric: true, cell: (r) => r.eventCount.toLocaleString('en-GB') },
    {
      header: 'Status',
      sortKey: 'status',
      cell: (r) => (
        <>
          <StatusTag status={r.status} />
          {r.outcome && <span className="govuk-body-s"> {r.outcome === 'true_positive' ? 'True positive' : 'False positive'}</span>}
          {r.concernReference && <span className="govuk-body-s"> · concern {r.concernReference}</span>}
        </>
      ),
    },
  ];
  return (
    <Layout title="Monitoring alerts" breadcrumbs={MONITORING_CRUMBS}>
      <PageHeading
        actions={
          <a href={alertsUrl(q, {}, '/monitoring/alerts.csv')} className="govuk-button govuk-button--secondary" data-module="govuk-button" download>
            Download the list (CSV)
          </a>
        }
      >
        Monitoring alerts
      </PageHeading>
      <p className="govuk-body">
        The alerts you can open: those for your role at your school or across the trust. Nobody sees an alert about themselves. The download has the same list
        without the addresses visited.
      </p>
      <form method="get" action="/monitoring/alerts" className="cs-filters" role="search" aria-label="Filter alerts">
        <div className="cs-filters__row">
          <Select
            name="status"
            label="Status"
            options={Object.entries(STATUS_FILTERS).map(([value, label]) => ({ value, label }))}
            values={{ status: q.status }}
          />
          <Select
            name="severity"
            label="Severity"
            emptyLabel="Any severity"
            options={ALERT_SEVERITY_CODES.map((s) => ({ value: s, label: ALERT_SEVERITIES[s].label }))}
            values={{ severity: q.severity }}
          />
          <Select name="category" label="Category" emptyLabel="Any category" options={data.categories} values={{ category: q.category }} />
          <Select name="school" label="School" emptyLabel="All schools" options={data.schools} values={{ school: q.school }} />
        </div>
        <div className="cs-filters__row">
          <TextInput name="q" label="Person or username" type="search" width="20" values={{ q: q.q }} spellCheck={false} />
          <TextInput name="from" label="Events from" hint="For example 2026-03-01" type="date" values={{ from: q.from }} />
          <TextInput name="to" label="Events to" hint="For example 2026-03-31" type="date" values={{ to: q.to }} />
          {q.subject && <input type="hidden" name="subject" value={q.subject} />}
          <input type="hidden" name="sort" value={q.sort} />
          <input type="hidden" name="dir" value={q.dir} />
          <div className="govuk-form-group">
            <Button secondary>Show</Button>
          </div>
        </div>
        <p className="govuk-body-s">
          <a className="govuk-link" href="/monitoring/alerts">
            Clear filters
          </a>
        </p>
      </form>
      <PagedTable
        caption="Monitoring alerts"
        columns={columns}
        rows={data.rows}
        rowKey={(r) => r.id}
        sort={{ current: q.sort, dir: q.dir, href: (sort, dir) => alertsUrl(q, { sort: sort as AlertListQuery['sort'], dir, page: 1 }) }}
        empty="No alerts match these filters."
        paging={{ page: q.page, pageSize: data.pageSize, total: data.total, noun: ['alert', 'alerts'], href: (page) => alertsUrl(q, { page }) }}
      />
    </Layout>
  );
}
