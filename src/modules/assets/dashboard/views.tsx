import type { ReactNode } from 'react';
import { type Column, PageHeading, SummaryList, Table, Tag } from '../../../ui/components.tsx';
import { countdown, formatDate, formatDateTime, plural } from '../../../ui/format.ts';
import { Button, Select } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { BarChart } from '../../noncompliance/chart.tsx';
import { daysBetween } from '../../policies/reviews/service.ts';
import { type DashboardLoan, EXPIRING_WITHIN_DAYS, type ItDashboard, wholeDays } from './service.ts';

const CRUMBS = [{ href: '/', label: 'Home' }];

const loanHref = (reference: string) => `/loans/${encodeURIComponent(reference)}`;
const assetHref = (tag: string) => `/assets/${encodeURIComponent(tag)}`;
/** The approvers' list of requests of one type waiting for a decision. */
export const waitingRequestsHref = (type: string) => `/requests?${new URLSearchParams({ status: 'pending', type })}`;

function Devices({ loan }: { loan: DashboardLoan }) {
  if (loan.devices.length === 0) return <span className="cs-muted">None still out</span>;
  return (
    <ul className="govuk-list govuk-!-margin-bottom-0">
      {loan.devices.map((d) => (
        <li key={d.tag}>
          <a className="govuk-link" href={assetHref(d.tag)}>
            {d.tag}
          </a>
          {d.make || d.model ? ` (${[d.make, d.model].filter(Boolean).join(' ')})` : ''}
        </li>
      ))}
    </ul>
  );
}

const reference: Column<DashboardLoan> = {
  header: 'Loan',
  cell: (l) => (
    <a className="govuk-link" href={loanHref(l.reference)}>
      {l.reference}
    </a>
  ),
};
const person: Column<DashboardLoan> = { header: 'Person', cell: (l) => l.person.fullName };
const devices: Column<DashboardLoan> = { header: 'Devices', cell: (l) => <Devices loan={l} /> };

function Section({ id, heading, count, children }: { id: string; heading: string; count?: number; children: ReactNode }) {
  return (
    <section aria-labelledby={`h-${id}`} className="govuk-!-margin-bottom-8" data-section={id}>
      <h2 className="govuk-heading-m" id={`h-${id}`}>
        {heading}
        {count !== undefined && ` (${count.toLocaleString('en-GB')})`}
      </h2>
      {children}
    </section>
  );
}

const glanceLink = (id: string, n: number, words: [string, string]) => (
  <a className="govuk-link" href={`#h-${id}`} data-glance={id}>
    {`${n.toLocaleString('en-GB')} ${n === 1 ? words[0] : words[1]}`}
  </a>
);

export function ItDashboardPage({ data }: { data: ItDashboard }) {
  const now = data.now;
  return (
    <Layout title="IT dashboard" breadcrumbs={CRUMBS}>
      <PageHeading caption={data.schoolLabel}>IT dashboard</PageHeading>
      {data.schools.length > 1 && (
        <form method="get" action="/it" className="cs-filters" role="search" aria-label="Choose a school">
          <div className="cs-filters__row">
            <Select name="school" label="School" emptyLabel="Every school you can see" options={data.schools} values={{ school: data.query.school }} />
            <div className="govuk-form-group">
              <Button secondary>Show</Button>
            </div>
          </div>
        </form>
      )}

      <h2 className="govuk-heading-m">At a glance</h2>
      <SummaryList
        rows={[
          { key: 'Devices in the register', value: glanceLink('devices-by-status', data.devicesTotal, ['device', 'devices']) },
          {
            key: 'Returns overdue',
            value: data.overdue.length ? (
              <>
                {glanceLink('overdue', data.overdue.length, ['loan', 'loans'])} <Tag tone="red">Overdue</Tag>
              </>
            ) : (
              'None'
            ),
          },
          { key: 'Returns due in the next 24 hours', value: data.dueSoon.length ? glanceLink('due-soon', data.dueSoon.length, ['loan', 'loans']) : 'None' },
          {
            key: 'Loans waiting over 2 days for a signature',
            value: data.unsigned.length ? glanceLink('unsigned', data.unsigned.length, ['loan', 'loans']) : 'None',
          },
          {
            key: 'Personal devices waiting for approval',
            value: data.byodPending.length ? glanceLink('byod-pending', data.byodPending.length, ['device', 'devices']) : 'None',
          },
          {
            key: `Approvals ending within ${EXPIRING_WITHIN_DAYS} days`,
            value: data.byodExpiring.length ? glanceLink('byod-expiring', data.byodExpiring.length, ['device', 'devices']) : 'None',
          },
          {
            key: 'Requests waiting for a decision',
            value: data.requestsWaitingTotal ? glanceLink('requests', data.requestsWaitingTotal, ['request', 'requests']) : 'None',
          },
        ]}
      />

      <Section id="devices-by-status" heading="Devices by status" count={data.devicesTotal}>
        <BarChart
          id="devices-by-status"
          title="Devices by status"
          bars={data.devicesByStatus}
          categoryHeader="Status"
          empty="No devices in the register yet."
        />
        <p className="govuk-body">
          <a className="govuk-link" href="/assets">
            Open the asset register
          </a>
        </p>
      </Section>

      <Section id="devices-by-type" heading="Devices by type">
        <p className="govuk-body">Every device in the register except those disposed of.</p>
        <BarChart id="devices-by-type" title="Devices by type (not disposed of)" bars={data.devicesByType} categoryHeader="Type" empty="No devices." />
      </Section>

      <Section id="overdue" heading="Returns overdue" count={data.overdue.length}>
        <p className="govuk-body">Devices asked back more than 72 hours ago and not yet returned, most overdue first.</p>
        <Table
          caption="Returns overdue"
          rowKey={(l) => l.id}
          rows={data.overdue}
          empty="No returns are overdue."
          columns={[
            reference,
            person,
            devices,
            { header: 'Due back', cell: (l) => formatDateTime(l.returnDueAt) },
            { header: 'Overdue by', cell: (l) => (l.returnDueAt ? <Tag tone="red">{countdown(l.returnDueAt, now)}</Tag> : '') },
          ]}
        />
      </Section>

      <Section id="due-soon" heading="Returns due in the next 24 hours" count={data.dueSoon.length}>
        <Table
          caption="Returns due in the next 24 hours"
          rowKey={(l) => l.id}
          rows={data.dueSoon}
          empty="No returns are due in the next 24 hours."
          columns={[
            reference,
            person,
            devices,
            { header: 'Due back', cell: (l) => formatDateTime(l.returnDueAt) },
            { header: 'Time left', cell: (l) => (l.returnDueAt ? <Tag tone="orange">{countdown(l.returnDueAt, now)}</Tag> : '') },
          ]}
        />
      </Section>

      <Section id="unsigned" heading="Loans waiting over 2 days for a signature" count={data.unsigned.length}>
        <p className="govuk-body">The person has not yet signed the loan agreement: remind them, or ask them to sign at the IT desk.</p>
        <Table
          caption="Loans waiting over 2 days for a signature"
          rowKey={(l) => l.id}
          rows={data.unsigned}
          empty="No loans have been waiting more than 2 days for a signature."
          columns={[
            reference,
            person,
            devices,
            { header: 'Issued', cell: (l) => formatDateTime(l.issuedAt) },
            { header: 'Waiting', cell: (l) => <Tag tone="orange">{plural(wholeDays(l.issuedAt, now), 'day')}</Tag> },
          ]}
        />
      </Section>

      <Section id="byod-pending" heading="Personal devices waiting for approval" count={data.byodPending.length}>
        <Table
          caption="Personal devices waiting for approval"
          rowKey={(d) => d.id}
          rows={data.byodPending}
          empty="No personal devices are waiting for approval."
          columns={[
            {
              header: 'Device',
              cell: (d) => (
                <a className="govuk-link" href={`/devices/${d.id}`}>
                  {d.label || d.typeLabel}
                </a>
              ),
            },
            { header: 'Type', cell: (d) => d.typeLabel },
            { header: 'Person', cell: (d) => d.person.fullName },
            { header: 'Registered', cell: (d) => formatDate(d.registeredAt) },
            { header: 'Waiting', cell: (d) => plural(wholeDays(d.registeredAt, now), 'day') },
          ]}
        />
        <p className="govuk-body">
          <a className="govuk-link" href="/devices/review">
            Review personal devices
          </a>
        </p>
      </Section>

      <Section id="byod-expiring" heading={`Personal device approvals ending within ${EXPIRING_WITHIN_DAYS} days`} count={data.byodExpiring.length}>
        <p className="govuk-body">The person is asked to renew their attestation; without it the approval lapses.</p>
        <Table
          caption={`Personal device approvals ending within ${EXPIRING_WITHIN_DAYS} days`}
          rowKey={(d) => d.id}
          rows={data.byodExpiring}
          empty={`No approvals end within ${EXPIRING_WITHIN_DAYS} days.`}
          columns={[
            {
              header: 'Device',
              cell: (d) => (
                <a className="govuk-link" href={`/devices/${d.id}`}>
                  {d.label || d.typeLabel}
                </a>
              ),
            },
            { header: 'Person', cell: (d) => d.person.fullName },
            { header: 'Approval ends', cell: (d) => formatDate(d.expiresOn) },
            { header: 'When', cell: (d) => <ExpiryTag on={d.expiresOn} today={data.today} /> },
          ]}
        />
      </Section>

      <Section id="requests" heading="Requests waiting for a decision" count={data.requestsWaitingTotal}>
        <BarChart
          id="requests-by-type"
          title="Requests waiting for a decision, by type"
          bars={data.requestsByType}
          categoryHeader="Type of request"
          empty="No requests are waiting for a decision."
        />
        <Table
          caption="Requests waiting for a decision, by type"
          rowKey={(r) => r.type}
          rows={data.requestsWaiting}
          empty="Nothing to decide."
          columns={[
            {
              header: 'Type of request',
              cell: (r) => (
                <a className="govuk-link" href={waitingRequestsHref(r.type)}>
                  {r.label}
                </a>
              ),
            },
            { header: 'Waiting', numeric: true, cell: (r) => r.count.toLocaleString('en-GB') },
            {
              header: 'Oldest waiting',
              cell: (r) => (
                <Tag tone={r.oldestDays >= 7 ? 'red' : r.oldestDays >= 2 ? 'orange' : 'grey'}>{r.oldestDays === 0 ? 'today' : plural(r.oldestDays, 'day')}</Tag>
              ),
            },
          ]}
        />
      </Section>
    </Layout>
  );
}

/** "ends in 12 days" (orange), "ends today", or "ended 3 days ago" (red). */
function ExpiryTag({ on, today }: { on: string; today: string }) {
  const days = daysBetween(today, on);
  if (days < 0) return <Tag tone="red">{`ended ${plural(-days, 'day')} ago`}</Tag>;
  if (days === 0) return <Tag tone="red">ends today</Tag>;
  return <Tag tone="orange">{`ends in ${plural(days, 'day')}`}</Tag>;
}
