import type { ReactNode } from 'react';
import { type Column, InsetText, PagedTable, PageHeading, Tag } from '../../../ui/components.tsx';
import { formatDate, formatDateTime } from '../../../ui/format.ts';
import { Button, Select, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { CONCERN_STATUSES, LOGBOOK_TYPES, OUTCOMES, type Outcome, typeLabel } from '../types.ts';
import { GOVERNORS_TITLE } from './governors.ts';
import { LOGBOOK_STATUS_FILTERS, type Logbook, type LogbookQuery, type LogbookRow, type SchoolOption } from './service.ts';

/** The logbook (or its CSV) with the given filters; defaults are left out so links stay short. */
export function logbookUrl(q: Partial<LogbookQuery>, changes: Partial<LogbookQuery> = {}, path = '/logbook') {
  const merged: Partial<LogbookQuery> = { ...q, ...changes };
  const defaults: Partial<LogbookQuery> = { order: 'newest', page: 1 };
  const params = new URLSearchParams();
  for (const key of ['type', 'status', 'from', 'to', 'school', 'order', 'page'] as const) {
    const value = merged[key];
    if (value !== undefined && value !== '' && value !== defaults[key]) params.set(key, String(value));
  }
  const qs = params.toString();
  return `${path}${qs ? `?${qs}` : ''}`;
}

/** The filters in words: "Cyberbullying · Open (not closed) · From 1 September 2025". */
export function describeLogbookFilters(q: LogbookQuery, schools: SchoolOption[]): string[] {
  const parts: string[] = [q.type ? typeLabel(q.type) : 'Every type'];
  if (q.status) parts.push(LOGBOOK_STATUS_FILTERS[q.status]);
  if (q.from) parts.push(`From ${formatDate(q.from)}`);
  if (q.to) parts.push(`To ${formatDate(q.to)}`);
  const school = q.school && schools.find((s) => s.id === q.school);
  if (school) parts.push(school.name);
  return parts;
}

export const outcomeLabel = (outcome: string | null) => (outcome ? (OUTCOMES[outcome as Outcome] ?? outcome) : '');

const columns: Column<LogbookRow>[] = [
  { header: 'Happened', cell: (r) => formatDateTime(r.occurredAt) },
  {
    header: 'Reference',
    cell: (r) => (
      <a className="govuk-link" href={`/concerns/${r.reference}`}>
        {r.reference}
      </a>
    ),
  },
  { header: 'Type', cell: (r) => typeLabel(r.type) },
  { header: 'School', cell: (r) => r.schoolName },
  { header: 'Status', cell: (r) => <Tag tone={CONCERN_STATUSES[r.status].tone}>{CONCERN_STATUSES[r.status].label}</Tag> },
  { header: 'Reported by', cell: (r) => r.reporterName },
  { header: 'Assigned to', cell: (r) => r.assigneeName ?? <span className="cs-muted">Not assigned</span> },
  { header: 'Outcome', cell: (r) => outcomeLabel(r.outcome) },
];

function Filters({ q, schools }: { q: LogbookQuery; schools: SchoolOption[] }) {
  return (
    <form method="get" action="/logbook" className="cs-filters" role="search" aria-label="Filter the logbook">
      <div className="cs-filters__row">
        <Select
          name="type"
          label="Type"
          emptyLabel="Every type"
          options={LOGBOOK_TYPES.map((t) => ({ value: t, label: typeLabel(t) }))}
          values={{ type: q.type }}
        />
        <Select
          name="status"
          label="Status"
          emptyLabel="Any status"
          options={Object.entries(LOGBOOK_STATUS_FILTERS).map(([value, label]) => ({ value, label }))}
          values={{ status: q.status }}
        />
        <TextInput name="from" label="Happened from" type="date" values={{ from: q.from }} />
        <TextInput name="to" label="Happened to" type="date" values={{ to: q.to }} />
        {schools.length > 1 && (
          <Select
            name="school"
            label="School"
            emptyLabel="All schools"
            options={schools.map((s) => ({ value: s.id, label: s.name }))}
            values={{ school: q.school }}
          />
        )}
        <Select
          name="order"
          label="Order"
          options={[
            { value: 'newest', label: 'Newest first' },
            { value: 'oldest', label: 'Oldest first' },
          ]}
          values={{ order: q.order }}
        />
        <div className="govuk-form-group">
          <Button secondary>Show</Button>
        </div>
      </div>
      <p className="govuk-body-s">
        <a className="govuk-link" href="/logbook">
          Clear filters
        </a>
      </p>
    </form>
  );
}

/** A labelled field for the governors' form, with its own ids (the filters above use the same names). */
function GovernorsField({ id, label, hint, children }: { id: string; label: string; hint?: string; children: ReactNode }) {
  return (
    <div className="govuk-form-group">
      <label className="govuk-label govuk-label--s" htmlFor={id}>
        {label}
      </label>
      {hint && (
        <div className="govuk-hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {children}
    </div>
  );
}

/** The governors' summary: a period and a school, then the PDF or the CSV. Counts only. */
function GovernorsSection({ schools, allSchools, from, to }: { schools: SchoolOption[]; allSchools: boolean; from: string; to: string }) {
  return (
    <section aria-labelledby="governors" className="govuk-!-margin-top-8">
      <h2 className="govuk-heading-m" id="governors">
        {GOVERNORS_TITLE}
      </h2>
      <p className="govuk-body">
        The number of concerns in the logbook for a period, by type and month, by status and by outcome: something to share with governors or trustees.
      </p>
      <InsetText>
        It includes no names, no references and nothing from the reports, only numbers. Small numbers are shown as they are, so before you share it, check that
        nobody could be recognised from them.
      </InsetText>
      <form method="get" action="/logbook/governors.pdf" className="cs-filters" aria-label={GOVERNORS_TITLE}>
        <div className="cs-filters__row">
          {schools.length > 1 && (
            <GovernorsField id="governors-school" label="School">
              <select className="govuk-select" id="governors-school" name="school" defaultValue="">
                <option value="">{allSchools ? 'All schools' : 'All my schools'}</option>
                {schools.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </GovernorsField>
          )}
          <GovernorsField id="governors-from" label="From" hint="The start of the school year unless you change it">
            <input className="govuk-input" id="governors-from" name="from" type="date" defaultValue={from} aria-describedby="governors-from-hint" />
          </GovernorsField>
          <GovernorsField id="governors-to" label="To">
            <input className="govuk-input" id="governors-to" name="to" type="date" defaultValue={to} />
          </GovernorsField>
        </div>
        <div className="govuk-button-group">
          <button type="submit" className="govuk-button govuk-button--secondary" data-module="govuk-button">
            Download the summary (PDF)
          </button>
          <button type="submit" className="govuk-button govuk-button--secondary" data-module="govuk-button" formAction="/logbook/governors.csv">
            Download the summary (CSV)
          </button>
        </div>
      </form>
    </section>
  );
}

export function LogbookPage({ data, governors }: { data: Logbook; governors: { from: string; to: string } }) {
  const q = data.query;
  return (
    <Layout title="Online-safety logbook">
      <PageHeading
        actions={
          <a href={logbookUrl(q, { page: 1 }, '/logbook.csv')} className="govuk-button govuk-button--secondary" data-module="govuk-button" download>
            Download the logbook (CSV)
          </a>
        }
      >
        Online-safety logbook
      </PageHeading>
      <p className="govuk-body">
        Every concern with a safeguarding side that you can open
        {data.allSchools ? ', across the trust' : data.schools.length === 1 ? ` at ${data.schools[0]?.name}` : ' at your schools'}, in the order they happened.
        Open a reference to see the record and its chronology. The download names the people who reported and handle each concern: keep it within the
        safeguarding team.
      </p>
      <Filters q={q} schools={data.schools} />
      <p className="govuk-body govuk-!-font-weight-bold" data-filters="">
        {describeLogbookFilters(q, data.schools).join(' · ')}
      </p>
      <PagedTable
        caption="The online-safety logbook"
        columns={columns}
        rows={data.rows}
        rowKey={(r) => r.id}
        empty={data.total === 0 && q.page === 1 ? 'No concerns match these filters.' : 'There is nothing on this page.'}
        paging={{ page: q.page, pageSize: data.pageSize, total: data.total, noun: ['concern', 'concerns'], href: (page) => logbookUrl(q, { page }) }}
      />
      <GovernorsSection schools={data.schools} allSchools={data.allSchools} from={governors.from} to={governors.to} />
    </Layout>
  );
}
