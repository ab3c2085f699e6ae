import type { ReactNode } from 'react';
import { type Column, PageHeading, Table } from '../../../../ui/components.tsx';
import { formatDateTime } from '../../../../ui/format.ts';
import { Layout } from '../../../../ui/layout.tsx';
import { BarChart } from '../../../noncompliance/chart.tsx';
import { categoryLabel } from '../../events.ts';
import { ALERT_SEVERITIES, type AlertSeverity } from '../../schema.ts';
import { type AlertDashboard, REPEAT_DAYS, REPEAT_THRESHOLD, TREND_WEEKS, type TrendRow, weekAxis, weekLabel } from '../dashboard.ts';
import { alertsUrl } from './list.tsx';
import { alertHref, SeverityTag, Subject } from './shared.tsx';

type Triage = AlertDashboard['needsTriage'][number];
type Noisy = AlertDashboard['noisy'][number];
type Repeated = AlertDashboard['repeated'][number];

const n = (v: number) => v.toLocaleString('en-GB');
const BY_RANK: AlertSeverity[] = ['high', 'medium', 'low'];

function Section({ id, heading, children }: { id: string; heading: string; children: ReactNode }) {
  return (
    <section aria-labelledby={`h-${id}`} className="govuk-!-margin-bottom-8" data-section={id}>
      <h2 className="govuk-heading-m" id={`h-${id}`}>
        {heading}
      </h2>
      {children}
    </section>
  );
}

function OpenBySeverity({ data }: { data: AlertDashboard }) {
  return (
    <Section id="open" heading={`Open alerts: ${n(data.openTotal)}`}>
      <p className="govuk-body">Open or acknowledged, not yet closed.</p>
      <div className="govuk-grid-row">
        {BY_RANK.map((s) => (
          <div className="govuk-grid-column-one-third" key={s} data-figure={s}>
            <p className="govuk-body govuk-!-margin-bottom-1">
              <SeverityTag severity={s} />
            </p>
            <p className="govuk-body govuk-!-font-size-48 govuk-!-font-weight-bold govuk-!-margin-top-0 govuk-!-margin-bottom-1">{n(data.open[s])}</p>
            <p className="govuk-body">
              <a className="govuk-link" href={alertsUrl({ severity: s })}>
                See the {ALERT_SEVERITIES[s].label.toLowerCase()} alerts<span className="govuk-visually-hidden"> that are open</span>
              </a>
            </p>
          </div>
        ))}
      </div>
    </Section>
  );
}

function NeedsTriage({ rows }: { rows: Triage[] }) {
  const columns: Column<Triage>[] = [
    {
      header: 'Alert',
      cell: (r) => (
        <a className="govuk-link" href={alertHref(r.reference)}>
          {r.reference}
        </a>
      ),
    },
    { header: 'First event', cell: (r) => formatDateTime(r.firstEventAt) },
    { header: 'About', cell: (r) => <Subject personName={r.personName} username={r.username} ip={r.ip} /> },
    { header: 'Category', cell: (r) => categoryLabel(r.category) },
    { header: 'School', cell: (r) => r.schoolName ?? <span className="cs-muted">Trust-wide</span> },
    { header: 'Events', numeric: true, cell: (r) => n(r.eventCount) },
  ];
  return (
    <Section id="triage" heading="Needs triage">
      <p className="govuk-body">The newest high-severity alerts nobody has acknowledged yet.</p>
      <Table
        caption="High-severity alerts not yet acknowledged"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        empty="No high-severity alert is waiting."
      />
      <p className="govuk-body">
        <a className="govuk-link" href={alertsUrl({ status: 'open', severity: 'high' })}>
          All open high-severity alerts
        </a>
      </p>
    </Section>
  );
}

function TrendTable({ weeks, rows }: { weeks: string[]; rows: TrendRow[] }) {
  if (rows.length === 0) return null;
  const totals = weeks.map((_, i) => rows.reduce((sum, r) => sum + (r.counts[i] ?? 0), 0));
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls sideways must be reachable by keyboard (WCAG 2.1.1, axe scrollable-region-focusable)
    <div className="cs-table-wrapper" role="region" aria-label="Alerts by category and week" tabIndex={0}>
      <table className="govuk-table" data-table="by-category-week">
        <caption className="govuk-table__caption govuk-table__caption--s">Alerts by category and week (weeks start on Monday)</caption>
        <thead className="govuk-table__head">
          <tr className="govuk-table__row">
            <th scope="col" className="govuk-table__header">
              Category
            </th>
            {weeks.map((w) => (
              <th scope="col" className="govuk-table__header govuk-table__header--numeric" key={w}>
                <span aria-hidden="true">{weekAxis(w)}</span>
                <span className="govuk-visually-hidden">{weekLabel(w)}</span>
              </th>
            ))}
            <th scope="col" className="govuk-table__header govuk-table__header--numeric">
              Total
            </th>
          </tr>
        </thead>
        <tbody className="govuk-table__body">
          {rows.map((r) => (
            <tr className="govuk-table__row" key={r.category}>
              <th scope="row" className="govuk-table__header">
                <a className="govuk-link" href={alertsUrl({ status: 'all', category: r.category })}>
                  {r.label}
                </a>
              </th>
              {r.counts.map((c, i) => (
                <td className="govuk-table__cell govuk-table__cell--numeric" key={weeks[i]}>
                  {n(c)}
                </td>
              ))}
              <td className="govuk-table__cell govuk-table__cell--numeric">{n(r.total)}</td>
            </tr>
          ))}
          <tr className="govuk-table__row">
            <th scope="row" className="govuk-table__header">
              All categories
            </th>
            {totals.map((c, i) => (
              <td className="govuk-table__cell govuk-table__cell--numeric" key={weeks[i]}>
                {n(c)}
              </td>
            ))}
            <td className="govuk-table__cell govuk-table__cell--numeric">{n(totals.reduce((a, b) => a + b, 0))}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function Trend({ data }: { data: AlertDashboard }) {
  return (
    <Section id="trend" heading={`The last ${TREND_WEEKS} weeks`}>
      <p className="govuk-body">Alerts by the week their first event happened.</p>
      <BarChart
        id="by-week"
        title={`Alerts per week, the last ${TREND_WEEKS} weeks`}
        bars={data.weekBars}
        categoryHeader="Week"
        layout="columns"
        empty={`No alerts you can open in the last ${TREND_WEEKS} weeks.`}
      />
      <TrendTable weeks={data.weeks} rows={data.trend} />
    </Section>
  );
}

function NoisyRules({ data }: { data: AlertDashboard }) {
  const columns: Column<Noisy>[] = [
    {
      header: 'Rule',
      cell: (r) => (
        <>
          {data.canSeeRules ? (
            <a className="govuk-link" href={`/monitoring/rules/${r.ruleId}`}>
              {r.name}
            </a>
          ) : (
            r.name
          )}
          {r.enabled === false && <span className="cs-muted"> (switched off)</span>}
        </>
      ),
    },
    { header: 'Alerts with an outcome', numeric: true, cell: (r) => n(r.decided) },
    { header: 'False positives', numeric: true, cell: (r) => n(r.falsePositives) },
    { header: 'False-positive rate', numeric: true, cell: (r) => `${r.rate}%` },
  ];
  return (
    <Section id="noisy" heading="Noisy rules">
      <p className="govuk-body">
        The rules whose alerts were most often false positives: false positives out of the alerts given an outcome.
        {data.canChangeRules ? ' Open a rule to make it quieter.' : ' The trust’s DSL can change the rules.'}
        {data.canSeeRules && (
          <>
            {' '}
            <a className="govuk-link" href="/monitoring/rules">
              See all the alert rules
            </a>
            .
          </>
        )}
      </p>
      <Table caption="Noisy rules" columns={columns} rows={data.noisy} rowKey={(r) => r.ruleId} empty="No false positives recorded yet." />
    </Section>
  );
}

function RepeatedPeople({ rows }: { rows: Repeated[] }) {
  const columns: Column<Repeated>[] = [
    { header: 'Who', cell: (r) => <Subject personName={r.personName} username={r.username} ip={r.ip} /> },
    { header: 'Alerts', numeric: true, cell: (r) => n(r.n) },
    { header: 'Latest', cell: (r) => formatDateTime(r.latest) },
    {
      header: 'Their alerts',
      cell: (r) => (
        <a className="govuk-link" href={alertsUrl({ status: 'all', subject: r.subject })}>
          See the alerts
          <span className="govuk-visually-hidden"> about {r.personName ?? r.username ?? r.ip ?? 'them'}</span>
        </a>
      ),
    },
  ];
  return (
    <Section id="repeated" heading="People with repeated alerts">
      <p className="govuk-body">
        Anyone with {REPEAT_THRESHOLD} or more alerts in the last {REPEAT_DAYS} days.
      </p>
      <Table caption="People with repeated alerts" columns={columns} rows={rows} rowKey={(r) => r.subject} empty="Nobody at the moment." />
    </Section>
  );
}

export function AlertDashboardPage({ data }: { data: AlertDashboard }) {
  return (
    <Layout title="Monitoring" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading
        actions={
          <a href="/monitoring/alerts" className="govuk-button" data-module="govuk-button">
            See the alerts
          </a>
        }
      >
        Monitoring
      </PageHeading>
      <p className="govuk-body">What filtering and monitoring have raised. Every number counts only the alerts you can open.</p>
      <OpenBySeverity data={data} />
      <NeedsTriage rows={data.needsTriage} />
      <Trend data={data} />
      <NoisyRules data={data} />
      <RepeatedPeople rows={data.repeated} />
      <Section id="downloads" heading="Downloads">
        <ul className="govuk-list">
          <li>
            <a className="govuk-link" href="/monitoring/alerts.csv" download>
              Open alerts (CSV)
            </a>
          </li>
          <li>
            <a className="govuk-link" href="/monitoring/alerts.csv?status=all" download>
              Every alert (CSV)
            </a>
          </li>
        </ul>
      </Section>
    </Layout>
  );
}
