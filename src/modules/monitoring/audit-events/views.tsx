import { type Column, PagedTable, PageHeading, Tag } from '../../../ui/components.tsx';
import { formatDate, formatDateTime, plural } from '../../../ui/format.ts';
import { Button, DirectoryList, ErrorSummary, Select, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { AUDIT_EVENT_KINDS, type AuditEventKind } from '../schema.ts';
import { type AuditEventRow, type AuditQuery, type AuditSearch, EXPORT_LIMIT, PAGE_SIZE, personCell } from './service.ts';

export const OUTCOMES = { success: 'Succeeded', failure: 'Failed' } as const;
export const kindLabel = (kind: string) => AUDIT_EVENT_KINDS[kind as AuditEventKind] ?? kind;

/** The query string of a search (the filters as given, not the defaults), for paging and the CSV. */
export function searchParams(q: AuditQuery, page = 1): string {
  const params = new URLSearchParams();
  for (const key of ['kind', 'person', 'username', 'outcome', 'from', 'to', 'source'] as const) {
    const v = q[key];
    if (v) params.set(key, v);
  }
  if (page > 1) params.set('page', String(page));
  return params.toString();
}
const searchUrl = (q: AuditQuery, page: number) => {
  const s = searchParams(q, page);
  return `/monitoring/sign-ins${s ? `?${s}` : ''}`;
};

function OutcomeTag({ outcome }: { outcome: AuditEventRow['event']['outcome'] }) {
  if (!outcome) return null;
  return <Tag tone={outcome === 'success' ? 'green' : 'red'}>{OUTCOMES[outcome]}</Tag>;
}

const Muted = ({ children }: { children: string | null | undefined }) => (children ? children : <span className="cs-muted">–</span>);

/** Location, device and IP address, one to a line, each labelled for screen readers. */
function Where({ event }: { event: AuditEventRow['event'] }) {
  const parts = [
    ['Location', event.location],
    ['Device', event.device],
    ['IP address', event.ip],
  ].filter((p): p is [string, string] => !!p[1]);
  if (parts.length === 0) return <span className="cs-muted">–</span>;
  return (
    <ul className="govuk-list govuk-body-s govuk-!-margin-bottom-0">
      {parts.map(([label, value]) => (
        <li key={label}>
          <span className="govuk-visually-hidden">{label}: </span>
          {value}
        </li>
      ))}
    </ul>
  );
}

export function AuditEventsPage({ data }: { data: AuditSearch }) {
  const q = data.query;
  const errors = data.personError ? { person: data.personError } : undefined;
  const heading = 'Sign-ins and file deletions';
  const columns: Column<AuditEventRow>[] = [
    { header: 'When', cell: (r) => formatDateTime(r.event.occurredAt) },
    { header: 'What', cell: (r) => kindLabel(r.event.kind) },
    {
      header: 'Who',
      cell: (r) => {
        const person = personCell(r);
        return person ? (
          <>
            {r.personName}
            {r.event.username && (
              <>
                <br />
                <span className="govuk-body-s cs-muted">{r.event.username}</span>
              </>
            )}
          </>
        ) : (
          <Muted>{r.event.username}</Muted>
        );
      },
    },
    { header: 'Outcome', cell: (r) => <OutcomeTag outcome={r.event.outcome} /> },
    { header: 'Where', cell: (r) => <Where event={r.event} /> },
    {
      header: 'File',
      cell: (r) => (
        <span className="cs-break">
          <Muted>{r.event.path}</Muted>
        </span>
      ),
    },
  ];
  const params = searchParams(q);
  const rangeText =
    data.range.from && data.range.to
      ? `from ${formatDate(data.range.from)} to ${formatDate(data.range.to)}`
      : data.range.from
        ? `from ${formatDate(data.range.from)}`
        : `up to ${formatDate(data.range.to)}`;
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <ErrorSummary errors={errors} />
      <PageHeading>{heading}</PageHeading>
      <p className="govuk-body">
        Sign-ins (successful and failed) and deleted files, as your directory and file servers report them. They are kept for{' '}
        {plural(data.retentionDays, 'day')}, then deleted automatically. Each search you make and each download is recorded in the audit log.
      </p>
      <form method="get" action="/monitoring/sign-ins" className="cs-filters" role="search" aria-label="Search sign-ins and file deletions">
        <div className="cs-filters__row">
          <Select
            name="kind"
            label="What"
            emptyLabel="Sign-ins and file deletions"
            options={Object.entries(AUDIT_EVENT_KINDS).map(([value, label]) => ({ value, label }))}
            values={{ kind: q.kind }}
          />
          <DirectoryList id="directory" people={data.directory} />
          <TextInput
            name="person"
            label="Person"
            hint="Start typing a name"
            list="directory"
            autoComplete="off"
            spellCheck={false}
            width="20"
            errors={errors}
            values={{ person: q.person }}
          />
          <TextInput
            name="username"
            label="Or username"
            hint="All or part of it"
            autoComplete="off"
            spellCheck={false}
            width="10"
            values={{ username: q.username }}
          />
          <Select
            name="outcome"
            label="Outcome"
            emptyLabel="Any outcome"
            options={Object.entries(OUTCOMES).map(([value, label]) => ({ value, label }))}
            values={{ outcome: q.outcome }}
          />
          <TextInput name="from" label="From" type="date" values={{ from: data.range.from }} />
          <TextInput name="to" label="To" type="date" values={{ to: data.range.to }} />
          {data.sources.length > 1 && <Select name="source" label="Source" emptyLabel="Every source" options={data.sources} values={{ source: q.source }} />}
          <div className="govuk-form-group">
            <Button secondary>Search</Button>
          </div>
        </div>
      </form>
      <p className="govuk-body">
        {plural(data.total, 'event')} {rangeText}, newest first.
      </p>
      <PagedTable
        caption="Sign-ins and file deletions"
        columns={columns}
        rows={data.rows}
        rowKey={(r) => r.event.id}
        empty="No events match this search."
        paging={{ page: q.page, pageSize: PAGE_SIZE, total: data.total, noun: ['event', 'events'], href: (page) => searchUrl(q, page) }}
      />
      {data.total > 0 && (
        <p className="govuk-body">
          <a className="govuk-link" href={`/monitoring/sign-ins.csv${params ? `?${params}` : ''}`}>
            {data.total > EXPORT_LIMIT
              ? `Download the newest ${EXPORT_LIMIT.toLocaleString('en-GB')} of these events (CSV)`
              : `Download these ${plural(data.total, 'event')} (CSV)`}
          </a>
        </p>
      )}
    </Layout>
  );
}
