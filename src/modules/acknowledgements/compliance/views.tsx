import type { ReactNode } from 'react';
import { type Column, PagedTable, PageHeading, Table, Tag, type Tone } from '../../../ui/components.tsx';
import { formatDate } from '../../../ui/format.ts';
import { Button, Select } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { usePage } from '../../../ui/page-context.tsx';
import { can } from '../../auth/authorize.ts';
import { kindLabel, PERSON_KIND_CODES, PERSON_KINDS, ROLE_CODES, ROLES, roleLabel } from '../../organisations/roles.ts';
import { daysBetween, reviewCountdown } from '../../policies/reviews/service.ts';
import { percentText, TrendChart } from './chart.tsx';
import type { BreakdownRow, ComplianceDashboard, ComplianceOptions, Counts, DashboardRow, TeamAgreement, TeamMember } from './service.ts';
import { type ComplianceQuery, LIST_STATUSES } from './validation.ts';

/** Due within this many days: the orange tag (the default reminders start a week before). */
export const DUE_SOON_DAYS = 7;

/** The URL of the dashboard (or its exports) with the given filters; defaults are left out so links stay short. */
export function complianceUrl(q: Partial<ComplianceQuery>, changes: Partial<ComplianceQuery> = {}, path = '/compliance') {
  const merged: Partial<ComplianceQuery> = { ...q, ...changes };
  const defaults: Partial<ComplianceQuery> = { status: 'outstanding', sort: 'due', dir: 'asc', page: 1 };
  const params = new URLSearchParams();
  for (const key of ['policy', 'school', 'role', 'kind', 'manager', 'status', 'sort', 'dir', 'page'] as const) {
    const value = merged[key];
    if (value !== undefined && value !== '' && value !== defaults[key]) params.set(key, String(value));
  }
  const qs = params.toString();
  return `${path}${qs ? `?${qs}` : ''}`;
}

/** The export links carry the filters and the sort, never the page: an export is the whole list. */
export const exportUrl = (q: Partial<ComplianceQuery>, path: '/compliance.csv' | '/compliance.pdf') => complianceUrl(q, { page: 1 }, path);

/** The filters in words, for headings, the PDF and screen readers: ["Policy: Staff AUP V2.0", "School: Oakfield"]. */
export function describeFilters(q: Partial<ComplianceQuery>, options: ComplianceOptions): string[] {
  const parts: string[] = [];
  const policy = q.policy && options.policies.find((p) => p.id === q.policy);
  parts.push(policy ? `Policy: ${policy.title} ${policy.versionLabel}` : q.policy ? 'Policy: not in force' : 'Every policy in force');
  const school = q.school && options.schools.find((s) => s.id === q.school);
  if (school) parts.push(`School: ${school.name}`);
  if (q.role) parts.push(`Role: ${roleLabel(q.role)}`);
  if (q.kind) parts.push(`Kind of person: ${kindLabel(q.kind)}`);
  const manager = q.manager && options.managers.find((m) => m.id === q.manager);
  if (q.manager) parts.push(`Line manager: ${manager ? manager.name : 'someone else'}`);
  return parts;
}

const number = (n: number) => n.toLocaleString('en-GB');

/** The status of one outstanding agreement: red overdue, orange due within a week, grey later. */
export function DueTag({ dueOn, today }: { dueOn: string; today: string }) {
  const days = daysBetween(today, dueOn);
  const tone: Tone = days < 0 ? 'red' : days <= DUE_SOON_DAYS ? 'orange' : 'grey';
  return <Tag tone={tone}>{reviewCountdown(dueOn, today)}</Tag>;
}

function Figure({ label, value, id }: { label: string; value: string; id: string }) {
  return (
    <div className="govuk-grid-column-one-half" data-figure={id}>
      <p className="govuk-body govuk-!-margin-bottom-1">{label}</p>
      <p className="govuk-body govuk-!-font-size-48 govuk-!-font-weight-bold govuk-!-margin-top-0 govuk-!-margin-bottom-4">{value}</p>
    </div>
  );
}

/** The headline numbers as big figures: % signed, then assigned, signed, outstanding, overdue. */
export function Headline({ totals }: { totals: Counts }) {
  return (
    <section aria-labelledby="headline" className="govuk-!-margin-bottom-6">
      <h2 className="govuk-visually-hidden" id="headline">
        Headline numbers
      </h2>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-one-third" data-figure="percent">
          <p className="govuk-body govuk-!-margin-bottom-1">Share signed</p>
          <p className="govuk-body govuk-!-font-size-80 govuk-!-font-weight-bold govuk-!-margin-top-0 govuk-!-margin-bottom-1">
            {totals.percentSigned === null ? '–' : percentText(totals.percentSigned)}
          </p>
          <p className="govuk-body-s cs-muted">
            {totals.assigned === 0
              ? 'Nothing is assigned to anyone here.'
              : `${number(totals.signed)} of ${number(totals.assigned)} agreements, by ${number(totals.people)} ${totals.people === 1 ? 'person' : 'people'}`}
          </p>
        </div>
        <div className="govuk-grid-column-two-thirds">
          <div className="govuk-grid-row">
            <Figure id="assigned" label="Assigned" value={number(totals.assigned)} />
            <Figure id="signed" label="Signed" value={number(totals.signed)} />
            <Figure id="outstanding" label="Not signed yet" value={number(totals.outstanding)} />
            <Figure id="overdue" label="Overdue" value={number(totals.overdue)} />
          </div>
        </div>
      </div>
    </section>
  );
}

function BreakdownTable({
  id,
  heading,
  intro,
  rows,
  link,
  empty,
}: {
  id: string;
  heading: string;
  intro?: ReactNode;
  rows: BreakdownRow[];
  link?: (row: BreakdownRow) => string | null;
  empty: string;
}) {
  const columns: Column<BreakdownRow>[] = [
    {
      header: heading.replace(/^By /, '').replace(/^./, (c) => c.toUpperCase()),
      cell: (r) => {
        const href = link?.(r);
        return href ? (
          <a className="govuk-link" href={href}>
            {r.label}
          </a>
        ) : (
          r.label
        );
      },
    },
    { header: 'People', numeric: true, cell: (r) => number(r.people) },
    { header: 'Assigned', numeric: true, cell: (r) => number(r.assigned) },
    { header: 'Signed', numeric: true, cell: (r) => number(r.signed) },
    { header: 'Not signed', numeric: true, cell: (r) => number(r.outstanding) },
    { header: 'Overdue', numeric: true, cell: (r) => number(r.overdue) },
    { header: '% signed', numeric: true, cell: (r) => (r.percentSigned === null ? '–' : percentText(r.percentSigned)) },
  ];
  return (
    <section aria-labelledby={`by-${id}`} data-breakdown={id}>
      <h2 className="govuk-heading-m" id={`by-${id}`}>
        {heading}
      </h2>
      {intro}
      <Table caption={heading} columns={columns} rows={rows} rowKey={(r) => r.key ?? '-'} empty={empty} />
    </section>
  );
}

function Filters({ q, options }: { q: ComplianceQuery; options: ComplianceOptions }) {
  return (
    <form method="get" action="/compliance" className="cs-filters" role="search" aria-label="Filter compliance">
      <div className="cs-filters__row">
        <Select
          name="policy"
          label="Policy"
          emptyLabel="Every policy in force"
          options={options.policies.map((p) => ({ value: p.id, label: p.title }))}
          values={{ policy: q.policy }}
        />
        <Select
          name="school"
          label="School"
          emptyLabel={options.schools.length > 1 ? 'All schools' : 'All'}
          options={options.schools.map((s) => ({ value: s.id, label: s.name }))}
          values={{ school: q.school }}
        />
        <Select
          name="role"
          label="Role"
          emptyLabel="Any role"
          options={ROLE_CODES.map((r) => ({ value: r, label: ROLES[r].label }))}
          values={{ role: q.role }}
        />
        <Select
          name="kind"
          label="Kind of person"
          emptyLabel="All kinds"
          options={PERSON_KIND_CODES.map((k) => ({ value: k, label: PERSON_KINDS[k] }))}
          values={{ kind: q.kind }}
        />
        <Select
          name="manager"
          label="Line manager"
          emptyLabel="Anyone’s team"
          options={options.managers.map((m) => ({ value: m.id, label: m.name }))}
          values={{ manager: q.manager }}
        />
        <Select name="status" label="List" options={Object.entries(LIST_STATUSES).map(([value, label]) => ({ value, label }))} values={{ status: q.status }} />
        <input type="hidden" name="sort" value={q.sort} />
        <input type="hidden" name="dir" value={q.dir} />
        <div className="govuk-form-group">
          <Button secondary>Show</Button>
        </div>
      </div>
      <p className="govuk-body-s">
        <a className="govuk-link" href="/compliance">
          Clear filters
        </a>
      </p>
    </form>
  );
}

/** Name (to their page), email and position in one cell: the list has many columns for a phone. */
const personCell = (r: DashboardRow) => (
  <>
    <a className="govuk-link" href={`/people/${r.personId}`}>
      {r.name}
    </a>
    <br />
    <span className="govuk-body-s cs-muted">{r.email}</span>
    {r.position && (
      <>
        <br />
        <span className="govuk-body-s">{r.position}</span>
      </>
    )}
  </>
);
const schoolNames = (r: DashboardRow) => r.schools.map((s) => s.name).join(', ') || <span className="cs-muted">Central team</span>;
const policyCell = (r: DashboardRow) => (
  <>
    {r.policyTitle}
    <br />
    <span className="govuk-body-s cs-muted">{r.versionLabel}</span>
  </>
);

function listColumns(status: ComplianceQuery['status'], today: string): Column<DashboardRow>[] {
  const common: Column<DashboardRow>[] = [
    { header: 'Name and position', sortKey: 'name', cell: personCell },
    { header: 'School', sortKey: 'school', cell: schoolNames },
    { header: 'Policy and version', sortKey: 'policy', cell: policyCell },
  ];
  const manager: Column<DashboardRow> = {
    header: 'Line manager',
    sortKey: 'manager',
    cell: (r) => r.managerName ?? <span className="cs-muted">None</span>,
  };
  if (status === 'signed')
    return [
      ...common,
      { header: 'Signed', sortKey: 'signed', cell: (r) => formatDate(r.signedAt) },
      manager,
      {
        header: 'Record',
        cell: (r) =>
          r.acknowledgementId ? (
            <a className="govuk-link" href={`/acknowledgements/${r.acknowledgementId}`}>
              View<span className="govuk-visually-hidden">{` ${r.name}’s signature of ${r.policyTitle}`}</span>
            </a>
          ) : (
            ''
          ),
      },
    ];
  return [
    ...common,
    {
      header: 'Due',
      sortKey: 'due',
      cell: (r) => (
        <>
          {formatDate(r.dueOn)}
          <br />
          <DueTag dueOn={r.dueOn} today={today} />
        </>
      ),
    },
    manager,
    {
      header: 'Action',
      cell: (r) =>
        r.canRecordPaper ? (
          <a className="govuk-link" href={`/agreements/${r.assignmentId}/paper`}>
            Record a paper signature<span className="govuk-visually-hidden">{` for ${r.name}, ${r.policyTitle}`}</span>
          </a>
        ) : (
          ''
        ),
    },
  ];
}

/** The trust administrator's evidence tools: past signatures in, and the chain checked. */
function AdminLinks() {
  const { actor } = usePage();
  if (!actor) return null;
  const links = [
    can(actor, 'acknowledgements.import', { trustId: actor.trustId }) && { href: '/acknowledgements/import', label: 'Import past signatures' },
    can(actor, 'evidence.verify', { trustId: actor.trustId }) && { href: '/evidence', label: 'Check the signature records (evidence)' },
  ].filter((l): l is { href: string; label: string } => !!l);
  if (!links.length) return null;
  return (
    <ul className="govuk-list">
      {links.map((l) => (
        <li key={l.href}>
          <a className="govuk-link" href={l.href}>
            {l.label}
          </a>
        </li>
      ))}
    </ul>
  );
}

export function CompliancePage({ data, today, hasReports }: { data: ComplianceDashboard; today: string; hasReports: boolean }) {
  const { query: q, summary, options } = data;
  const filters = describeFilters(q, options);
  const signedList = q.status === 'signed';
  const listHeading = signedList ? 'Who has signed' : q.status === 'overdue' ? 'Who is overdue' : 'Who has not signed';
  const narrowed = (changes: Partial<ComplianceQuery>) => complianceUrl(q, { ...changes, page: 1 });
  return (
    <Layout title="Compliance">
      <PageHeading
        actions={
          <>
            <a href={exportUrl(q, '/compliance.csv')} className="govuk-button govuk-button--secondary" data-module="govuk-button" download>
              Download the list (CSV)
            </a>
            <a href={exportUrl(q, '/compliance.pdf')} className="govuk-button govuk-button--secondary" data-module="govuk-button" download>
              Download a report (PDF)
            </a>
          </>
        }
      >
        Compliance
      </PageHeading>
      <p className="govuk-body">
        Who has signed the policies in force, counting people who have not left. A person with three policies to sign counts three times.
        {hasReports && (
          <>
            {' '}
            <a className="govuk-link" href="/compliance/team">
              See your own team’s agreements
            </a>
            .
          </>
        )}
      </p>
      <AdminLinks />
      <Filters q={q} options={options} />
      <p className="govuk-body govuk-!-font-weight-bold" data-filters="">
        {filters.join(' · ')}
      </p>
      <Headline totals={summary.totals} />
      <section aria-labelledby="trend">
        <h2 className="govuk-heading-m" id="trend">
          Trend over the last 12 weeks
        </h2>
        <TrendChart points={summary.trend} />
      </section>
      <BreakdownTable
        id="school"
        heading="By school"
        intro={<p className="govuk-body-s cs-muted">Someone who works at two schools is counted at both.</p>}
        rows={summary.bySchool}
        link={(r) => (r.key ? narrowed({ school: r.key }) : null)}
        empty="Nobody here has anything to sign."
      />
      <BreakdownTable
        id="role"
        heading="By role"
        intro={<p className="govuk-body-s cs-muted">Someone with two roles is counted under both.</p>}
        rows={summary.byRole.map((r) => ({ ...r, label: r.key ? roleLabel(r.key) : r.label }))}
        link={(r) => (r.key ? narrowed({ role: r.key as ComplianceQuery['role'] }) : null)}
        empty="Nobody here has anything to sign."
      />
      <BreakdownTable
        id="kind"
        heading="By kind of person"
        rows={summary.byKind.map((r) => ({ ...r, label: kindLabel(r.label) }))}
        link={(r) => (r.key ? narrowed({ kind: r.key as ComplianceQuery['kind'] }) : null)}
        empty="Nobody here has anything to sign."
      />
      <BreakdownTable
        id="manager"
        heading="By line manager"
        intro={<p className="govuk-body-s cs-muted">The 20 line managers whose direct reports have the most still to sign.</p>}
        rows={summary.byManager}
        link={(r) => (r.key ? narrowed({ manager: r.key }) : null)}
        empty="Nobody here has a line manager recorded."
      />
      <section aria-labelledby="list">
        <h2 className="govuk-heading-m" id="list">
          {listHeading}
        </h2>
        <PagedTable
          caption={listHeading}
          columns={listColumns(q.status, today)}
          rows={data.rows}
          rowKey={(r) => r.assignmentId}
          sort={{ current: q.sort, dir: q.dir, href: (sort, dir) => complianceUrl(q, { sort: sort as ComplianceQuery['sort'], dir, page: 1 }) }}
          empty={signedList ? 'Nobody here has signed yet.' : q.status === 'overdue' ? 'Nobody here is overdue.' : 'Everyone here has signed.'}
          paging={{ page: q.page, pageSize: data.pageSize, total: data.total, noun: ['agreement', 'agreements'], href: (page) => complianceUrl(q, { page }) }}
        />
      </section>
    </Layout>
  );
}

type TeamRow = { member: TeamMember; agreement: TeamAgreement | null };

function TeamStatus({ a, today }: { a: TeamAgreement; today: string }) {
  if (a.acknowledgementId) return <Tag tone="green">Signed</Tag>;
  return <DueTag dueOn={a.dueOn} today={today} />;
}

/** A line manager's view: their direct reports' agreements, and nobody else's. */
export function TeamPage({ members, today }: { members: TeamMember[]; today: string }) {
  const rows = members.flatMap((member): TeamRow[] =>
    member.agreements.length ? member.agreements.map((agreement) => ({ member, agreement })) : [{ member, agreement: null }],
  );
  const all = members.flatMap((m) => m.agreements);
  const signed = all.filter((a) => a.acknowledgementId).length;
  const overdue = all.filter((a) => !a.acknowledgementId && a.dueOn < today).length;
  const columns: Column<TeamRow>[] = [
    {
      header: 'Name',
      cell: (r) => (
        <>
          {r.member.name}
          {r.member.position && (
            <>
              <br />
              <span className="govuk-body-s cs-muted">{r.member.position}</span>
            </>
          )}
        </>
      ),
    },
    { header: 'Policy', cell: (r) => r.agreement?.policyTitle ?? <span className="cs-muted">Nothing to sign</span> },
    { header: 'Version', cell: (r) => r.agreement?.versionLabel ?? '' },
    { header: 'Status', cell: (r) => (r.agreement ? <TeamStatus a={r.agreement} today={today} /> : '') },
    { header: 'Due', cell: (r) => (r.agreement ? formatDate(r.agreement.dueOn) : '') },
    { header: 'Signed', cell: (r) => formatDate(r.agreement?.signedAt) },
    {
      header: 'Certificate',
      cell: (r) =>
        r.agreement?.acknowledgementId ? (
          <a className="govuk-link" href={`/certificates/${r.agreement.acknowledgementId}.pdf`}>
            Download<span className="govuk-visually-hidden">{` ${r.member.name}’s certificate for ${r.agreement.policyTitle}`}</span>
          </a>
        ) : (
          ''
        ),
    },
  ];
  return (
    <Layout title="Your team’s agreements" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading>Your team’s agreements</PageHeading>
      {members.length === 0 ? (
        <p className="govuk-body">You have no one reporting to you in Countersign.</p>
      ) : (
        <>
          <p className="govuk-body">
            {members.length === 1 ? '1 person reports' : `${number(members.length)} people report`} to you. Of their {number(all.length)}{' '}
            {all.length === 1 ? 'agreement' : 'agreements'}, {number(signed)} {signed === 1 ? 'is' : 'are'} signed and {number(all.length - signed)}{' '}
            {all.length - signed === 1 ? 'is' : 'are'} not signed yet{overdue ? `, ${number(overdue)} of them overdue` : ''}.
          </p>
          <Table
            caption="Your team’s agreements"
            columns={columns}
            rows={rows}
            rowKey={(r) => r.agreement?.assignmentId ?? r.member.id}
            empty="Nothing to show."
          />
        </>
      )}
    </Layout>
  );
}
