import type { FieldErrors } from '../../../errors.ts';
import { type Column, InsetText, PagedTable, SummaryList, Table } from '../../../ui/components.tsx';
import { CsvColumns, CsvFileField, CsvProblems } from '../../../ui/csv-upload.tsx';
import { formatDateTime, plural } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, DirectoryList, ErrorSummary, Form, type FormValues, Select, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import type { SourceRow } from './service.ts';
import {
  MAPPING_COLUMNS,
  MAPPING_MAX_ROWS,
  type MappingPreview,
  USERNAME_VIEWS,
  USERNAMES_PAGE_SIZE,
  type UsernameItem,
  type UsernameListQuery,
  type UsernameView,
} from './usernames.ts';
import { sourceCrumbs, sourceUrl, useCanManage } from './views.tsx';

const usernamesUrl = (source: SourceRow) => `${sourceUrl(source)}/usernames`;
const mapUrl = (source: SourceRow, username: string) => `${usernamesUrl(source)}/map?username=${encodeURIComponent(username)}`;

const listHref = (source: SourceRow, q: UsernameListQuery, page: number) => {
  const params = new URLSearchParams();
  if (q.show !== 'unmatched') params.set('show', q.show);
  if (q.q) params.set('q', q.q);
  if (page > 1) params.set('page', String(page));
  const s = params.toString();
  return `${usernamesUrl(source)}${s ? `?${s}` : ''}`;
};

/** What a decision about a username changes, said wherever one is made. */
export function FromNowOn() {
  return (
    <InsetText>
      A match applies to events received from now on. Daily counts already kept stay under the username, and open alerts about the username are not changed:
      they keep showing the username.
    </InsetText>
  );
}

export function UsernamesPage({
  source,
  query,
  items,
  total,
  counts,
  maxBytes,
  errors,
}: {
  source: SourceRow;
  query: UsernameListQuery;
  items: UsernameItem[];
  total: number;
  counts: Record<UsernameView, number>;
  maxBytes: number;
  errors?: FieldErrors;
}) {
  const manage = useCanManage() && !source.archivedAt;
  const heading = `Usernames from ${source.name}`;
  const seen = (r: UsernameItem) => (
    <>
      {plural(r.eventCount, 'event')}
      {r.lastSeenAt && (
        <>
          <br />
          <span className="govuk-body-s cs-muted">
            First {formatDateTime(r.firstSeenAt)}, last {formatDateTime(r.lastSeenAt)}
          </span>
        </>
      )}
    </>
  );
  const undo = (r: UsernameItem, label: string) => (
    <Form action={`${usernamesUrl(source)}/undo`} className="cs-inline-form">
      <input type="hidden" name="username" value={r.username} />
      <input type="hidden" name="show" value={query.show} />
      <button type="submit" className="cs-link-button cs-link-button--dark">
        {label}
        <span className="govuk-visually-hidden"> for {r.username}</span>
      </button>
    </Form>
  );
  const decidedBy = (r: UsernameItem) =>
    r.byAdmin ? (
      <span className="govuk-body-s cs-muted">
        by {r.mappedByName ?? 'the command line'}, {formatDateTime(r.mappedAt)}
      </span>
    ) : (
      <span className="govuk-body-s cs-muted">by the source’s username rule</span>
    );
  const columns: Column<UsernameItem>[] = [
    { header: 'Username', cell: (r) => <code>{r.username}</code> },
    { header: 'Seen', cell: seen },
  ];
  if (query.show === 'matched')
    columns.push({
      header: 'Person',
      cell: (r) => (
        <>
          {r.personName} ({r.personEmail})
          <br />
          {decidedBy(r)}
        </>
      ),
    });
  if (query.show === 'not_staff') columns.push({ header: 'Set aside', cell: (r) => decidedBy(r) });
  if (manage)
    columns.push({
      header: 'Action',
      cell: (r) =>
        query.show === 'unmatched' ? (
          <a className="govuk-link" href={mapUrl(source, r.username)}>
            Match<span className="govuk-visually-hidden"> {r.username}</span>
          </a>
        ) : (
          <>
            <a className="govuk-link" href={mapUrl(source, r.username)}>
              Change<span className="govuk-visually-hidden"> {r.username}</span>
            </a>
            {r.byAdmin && <> · {undo(r, 'Undo')}</>}
          </>
        ),
    });
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={sourceCrumbs(source)}>
      <ErrorSummary errors={errors} />
      <h1 className="govuk-heading-l">{heading}</h1>
      <p className="govuk-body">
        {plural(counts.unmatched, 'username is', 'usernames are')} unmatched, {plural(counts.matched, 'is', 'are')} matched to a person and{' '}
        {plural(counts.not_staff, 'is', 'are')} set aside as not staff (pupils or shared accounts). Alerts about an unmatched username still go to the DSL team,
        showing the username.
      </p>
      <FromNowOn />
      <form method="get" action={usernamesUrl(source)} className="cs-filters" role="search" aria-label="Search the usernames">
        <div className="cs-filters__row">
          <Select name="show" label="Show" options={Object.entries(USERNAME_VIEWS).map(([value, label]) => ({ value, label }))} values={{ show: query.show }} />
          <TextInput name="q" type="search" label="Username contains" values={{ q: query.q }} width="20" />
          <div className="govuk-form-group">
            <Button secondary>Show</Button>
          </div>
        </div>
      </form>
      <PagedTable
        caption={`${USERNAME_VIEWS[query.show]} usernames`}
        columns={columns}
        rows={items}
        rowKey={(r) => r.username}
        empty={query.q ? 'No usernames match your search.' : query.show === 'unmatched' ? 'There are no unmatched usernames.' : 'There are none.'}
        paging={{ page: query.page, pageSize: USERNAMES_PAGE_SIZE, total, noun: ['username', 'usernames'], href: (p) => listHref(source, query, p) }}
      />

      {manage && (
        <>
          <h2 className="govuk-heading-m">Match many usernames with a file</h2>
          <p className="govuk-body">
            Upload a CSV file with a username and a work email address on each line, for example exported from your directory. Nothing is matched until you have
            checked what the file will do, and then every line is matched or none.
          </p>
          <Form action={`${usernamesUrl(source)}/import`} multipart>
            <CsvFileField errors={errors} maxBytes={maxBytes} maxRows={MAPPING_MAX_ROWS} noun="usernames" />
            <Button secondary>Check the file</Button>
          </Form>
          <CsvColumns
            columns={MAPPING_COLUMNS}
            note="A username already matched is matched again to the person in the file."
            templateHref={`${usernamesUrl(source)}/template.csv`}
          />
        </>
      )}
    </Layout>
  );
}

export function MapUsernamePage({
  source,
  username,
  found,
  directory,
  errors,
  values,
}: {
  source: SourceRow;
  username: string;
  found: { personName: string | null; personEmail: string | null; notStaff: boolean; eventCount: number; mappedAt: Date | null } | null;
  directory: { fullName: string; email: string }[];
  errors?: FieldErrors;
  values: FormValues;
}) {
  const heading = `Who is ${username}?`;
  const now = found?.notStaff
    ? 'Set aside as not a member of staff'
    : found?.personName
      ? `${found.personName} (${found.personEmail})${found.mappedAt ? '' : ', by the source’s username rule'}`
      : 'Not matched to anyone';
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={[...sourceCrumbs(source), { href: usernamesUrl(source), label: 'Usernames' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">{source.name}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          <SummaryList
            rows={[
              { key: 'Username', value: <code>{username}</code> },
              { key: 'Events', value: found ? found.eventCount.toLocaleString('en-GB') : 'None yet' },
              { key: 'Now', value: now },
            ]}
          />
          <FromNowOn />
          <h2 className="govuk-heading-m">A member of staff</h2>
          <Form action={`${usernamesUrl(source)}/map`}>
            <input type="hidden" name="username" value={username} />
            <TextInput
              name="person"
              label="Person"
              hint="Start typing their name or work email address, and choose them from the list."
              list="directory"
              autoComplete="off"
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <DirectoryList id="directory" people={directory} />
            <ButtonGroup>
              <Button>Match to this person</Button>
              <CancelLink href={usernamesUrl(source)} />
            </ButtonGroup>
          </Form>
          {!found?.notStaff && (
            <>
              <h2 className="govuk-heading-m">Not a member of staff</h2>
              <p className="govuk-body">
                A pupil or a shared account (a classroom login, a kiosk). It stops showing as unmatched; alerts about it still go to the DSL team.
              </p>
              <Form action={`${usernamesUrl(source)}/not-staff`}>
                <input type="hidden" name="username" value={username} />
                <Button secondary>Set aside as not staff</Button>
              </Form>
            </>
          )}
        </div>
      </div>
    </Layout>
  );
}

export function MappingPreviewPage({ preview }: { preview: MappingPreview }) {
  const { source, plan } = preview;
  const heading = 'Check the usernames file';
  const failed = plan.rowErrors.length > 0;
  return (
    <Layout title={failed ? `Error: ${heading}` : heading} breadcrumbs={[...sourceCrumbs(source), { href: usernamesUrl(source), label: 'Usernames' }]}>
      {failed && (
        <ErrorSummary errors={{ problems: `${plural(plan.rowErrors.length, 'line has a problem', 'lines have problems')}: nothing has been matched` }} />
      )}
      <span className="govuk-caption-l">{preview.fileName}</span>
      <h1 className="govuk-heading-l">{heading}</h1>
      <CsvProblems warnings={plan.warnings} rowErrors={plan.rowErrors} uploadHref={usernamesUrl(source)} />
      {!failed && plan.mappings.length === 0 && <p className="govuk-body">The file has no usernames in it.</p>}
      {!failed && plan.mappings.length > 0 && preview.batchId && (
        <>
          <p className="govuk-body">
            {plural(plan.mappings.length, 'username', 'usernames')} from {source.name} will be matched to people.
            {plan.mappings.length > 100 && ' The first 100 are shown.'}
          </p>
          <FromNowOn />
          <Table
            caption="Usernames to match"
            columns={[
              { header: 'Line', cell: (m) => m.line, numeric: true },
              { header: 'Username', cell: (m) => <code>{m.username}</code> },
              { header: 'Person', cell: (m) => `${m.personName} (${m.email})` },
            ]}
            rows={plan.mappings.slice(0, 100)}
            rowKey={(m) => String(m.line)}
          />
          <Form action={`${usernamesUrl(source)}/import/${preview.batchId}/apply`}>
            <ButtonGroup>
              <Button>Match {plural(plan.mappings.length, 'username', 'usernames')}</Button>
              <CancelLink href={usernamesUrl(source)} />
            </ButtonGroup>
          </Form>
        </>
      )}
    </Layout>
  );
}
