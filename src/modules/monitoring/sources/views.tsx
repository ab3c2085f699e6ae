import type { FieldErrors } from '../../../errors.ts';
import { type Column, InsetText, PageHeading, SummaryList, Table, Tag, WarningText } from '../../../ui/components.tsx';
import { formatDateTime, plural } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, Checkboxes, ErrorSummary, Form, type FormValues, Radios, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { usePage } from '../../../ui/page-context.tsx';
import { can } from '../../auth/authorize.ts';
import { SOURCE_KINDS, UPLOAD_STATUSES, USERNAME_MATCHES } from '../schema.ts';
import type { SourcePageData, SourceRow, SourceSummary, UploadListItem } from './service.ts';

export const SOURCES_CRUMBS = [
  { href: '/', label: 'Home' },
  { href: '/monitoring/sources', label: 'Monitoring sources' },
];
export const sourceUrl = (s: { id: string }) => `/monitoring/sources/${s.id}`;
export const sourceCrumbs = (s: SourceRow) => [...SOURCES_CRUMBS, { href: sourceUrl(s), label: s.name }];

/** May the person on the page change sources (trust admins), rather than only see them (and upload)? */
export function useCanManage() {
  const { actor } = usePage();
  return !!actor && can(actor, 'monitoring.sources', { trustId: actor.trustId });
}

const schoolsText = (schools: { name: string }[]) => (schools.length === 0 ? 'The whole trust' : schools.map((s) => s.name).join(', '));

export const eventsEndpoint = (baseUrl: string) => `${baseUrl}/api/v1/monitoring/events`;

/** One event, as the API takes it (an array of up to 1,000 of these is taken too). */
export const exampleEvent = (username: string) =>
  JSON.stringify({
    occurredAt: '2026-03-03T14:05:00Z',
    username,
    url: 'https://casino.example/play',
    category: 'Gambling',
    action: 'blocked',
    device: 'LAPTOP-042',
    ip: '10.0.4.17',
  });

export const curlExample = (baseUrl: string, key: string, usernameMatch: SourceRow['usernameMatch']) =>
  [
    `curl -X POST ${eventsEndpoint(baseUrl)} \\`,
    `  -H "Authorization: Bearer ${key}" \\`,
    '  -H "Content-Type: application/json" \\',
    `  -d '${exampleEvent(usernameMatch === 'email' ? 'j.smith@school.example' : usernameMatch === 'email_local' ? 'j.smith' : 'STAFF0042')}'`,
  ].join('\n');

export function SourcesPage({ sources }: { sources: SourceSummary[] }) {
  const manage = useCanManage();
  const columns: Column<SourceSummary>[] = [
    {
      header: 'Source',
      cell: (r) => (
        <>
          <a className="govuk-link" href={sourceUrl(r.source)}>
            {r.source.name}
          </a>
          <br />
          <span className="govuk-body-s cs-muted">{SOURCE_KINDS[r.source.kind]}</span>
        </>
      ),
    },
    { header: 'Covers', cell: (r) => schoolsText(r.schools) },
    {
      header: 'Status',
      cell: (r) =>
        r.source.archivedAt ? (
          <Tag tone="grey">Archived</Tag>
        ) : r.key && !r.key.revokedAt ? (
          <>
            <Tag tone="green">Active</Tag>
            <br />
            <span className="govuk-body-s cs-muted">
              Key <code>{r.key.prefix}</code>
            </span>
          </>
        ) : (
          <Tag tone="orange">No key</Tag>
        ),
    },
    {
      header: 'Last event',
      cell: (r) => (r.counts.lastEventAt ? formatDateTime(r.counts.lastEventAt) : <span className="cs-muted">None yet</span>),
    },
    { header: 'Events today', cell: (r) => r.counts.today.toLocaleString('en-GB'), numeric: true },
    { header: 'Last 7 days', cell: (r) => r.counts.week.toLocaleString('en-GB'), numeric: true },
    {
      header: 'Unmatched usernames',
      numeric: true,
      cell: (r) =>
        r.counts.unmatched > 0 ? (
          <a className="govuk-link" href={`${sourceUrl(r.source)}/usernames`}>
            {r.counts.unmatched.toLocaleString('en-GB')}
            <span className="govuk-visually-hidden"> unmatched usernames from {r.source.name}</span>
          </a>
        ) : (
          '0'
        ),
    },
  ];
  return (
    <Layout title="Monitoring sources" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading
        actions={
          manage && (
            <a href="/monitoring/sources/new" className="govuk-button" data-module="govuk-button">
              Add a source
            </a>
          )
        }
      >
        Monitoring sources
      </PageHeading>
      <p className="govuk-body">
        The web filtering and monitoring systems that send Countersign what they see, each with its own API key. You can also upload a log file from a source’s
        page. Counts are of web events and sign-in or file events received; only what a rule matches is kept one by one.
      </p>
      <Table caption="Monitoring sources" columns={columns} rows={sources} rowKey={(r) => r.source.id} empty="No sources have been added yet." />
    </Layout>
  );
}

export function SourceFormFields({ errors, values, schools }: { errors?: FieldErrors; values: FormValues; schools: { id: string; name: string }[] }) {
  return (
    <>
      <TextInput
        name="name"
        label="Name"
        hint="Say which product it is and where, so people know which system sent an alert. For example, Smoothwall web filter."
        autoComplete="off"
        errors={errors}
        values={values}
      />
      <Radios
        name="kind"
        label="What kind of system is it?"
        options={Object.entries(SOURCE_KINDS).map(([value, label]) => ({ value, label }))}
        errors={errors}
        values={values}
      />
      <Checkboxes
        name="schools"
        label="Which schools does it cover?"
        hint="Leave them all unticked if it covers the whole trust. Alerts go to the DSL team of the person’s school among these."
        options={schools.map((s) => ({ value: s.id, label: s.name }))}
        errors={errors}
        values={values}
        small
      />
      <Radios
        name="usernameMatch"
        label="How are its usernames matched to people?"
        hint="Usernames you match by hand, or with a mapping file, always win over this rule."
        options={Object.entries(USERNAME_MATCHES).map(([value, label]) => ({ value, label }))}
        errors={errors}
        values={values}
      />
    </>
  );
}

export function NewSourcePage({ errors, values, schools }: { errors?: FieldErrors; values: FormValues; schools: { id: string; name: string }[] }) {
  const heading = 'Add a monitoring source';
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={SOURCES_CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">Countersign creates an API key for the source to send its events with. The key is shown once, on the next page.</p>
          <Form action="/monitoring/sources/new">
            <SourceFormFields errors={errors} values={values} schools={schools} />
            <ButtonGroup>
              <Button>Add source and create its key</Button>
              <CancelLink href="/monitoring/sources" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export function EditSourcePage({
  source,
  errors,
  values,
  schools,
}: {
  source: SourceRow;
  errors?: FieldErrors;
  values: FormValues;
  schools: { id: string; name: string }[];
}) {
  const heading = `Change ${source.name}`;
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={sourceCrumbs(source)}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          <Form action={`${sourceUrl(source)}/edit`}>
            <SourceFormFields errors={errors} values={values} schools={schools} />
            <p className="govuk-body">
              A new username rule applies to usernames the source has not sent before. Usernames already matched keep their person: change them on the{' '}
              <a className="govuk-link" href={`${sourceUrl(source)}/usernames?show=matched`}>
                usernames page
              </a>
              .
            </p>
            <ButtonGroup>
              <Button>Save changes</Button>
              <CancelLink href={sourceUrl(source)} />
            </ButtonGroup>
          </Form>
          <h2 className="govuk-heading-m">Archive this source</h2>
          <p className="govuk-body">When you stop using the product, archive the source: its key stops working, and its alerts and counts are kept.</p>
          <a className="govuk-button govuk-button--warning" data-module="govuk-button" href={`${sourceUrl(source)}/archive`}>
            Archive source
          </a>
        </div>
      </div>
    </Layout>
  );
}

export function ArchiveSourcePage({ source }: { source: SourceRow }) {
  const heading = `Archive ${source.name}?`;
  return (
    <Layout title={heading} breadcrumbs={sourceCrumbs(source)}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            Its API key will be revoked straight away, so Countersign will refuse anything it sends, and no more logs can be uploaded to it. Its alerts, daily
            counts and usernames are kept. You cannot undo this: to start again, add a new source.
          </p>
          <Form action={`${sourceUrl(source)}/archive`}>
            <ButtonGroup>
              <Button warning>Archive source</Button>
              <CancelLink href={sourceUrl(source)} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

/** The key, shown once: after adding a source or issuing a new key. */
export function KeyShownOncePage({
  source,
  secret,
  baseUrl,
  reissued,
  replaced,
}: {
  source: SourceRow;
  secret: string;
  baseUrl: string;
  reissued: boolean;
  /** The prefix of the key this one replaced, now revoked. */
  replaced: string | null;
}) {
  const heading = reissued ? `New API key for ${source.name}` : `${source.name} has been added`;
  return (
    <Layout title={heading} breadcrumbs={sourceCrumbs(source)}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <h1 className="govuk-heading-l">{heading}</h1>
          {replaced && (
            <p className="govuk-body">
              The old key <code>{replaced}</code> has been revoked: Countersign refuses it from now on. Put the new key into the product’s settings.
            </p>
          )}
          <p className="govuk-body">This is the source’s API key. It can only send monitoring events.</p>
          <WarningText>Copy the key now and put it into the product’s settings, or keep it in your password manager. It will not be shown again.</WarningText>
          <p className="govuk-body cs-secret">{secret}</p>
          <h2 className="govuk-heading-m">How to send events</h2>
          <p className="govuk-body">
            Send each event, or an array of up to 1,000, as JSON to <code>{eventsEndpoint(baseUrl)}</code> with the key in the Authorization header. For
            example:
          </p>
          <pre className="cs-pre">{curlExample(baseUrl, secret, source.usernameMatch)}</pre>
          <p className="govuk-body">If you lose the key, issue a new one from the source’s page: the old one stops working.</p>
          <a href={sourceUrl(source)} className="govuk-button govuk-button--secondary" data-module="govuk-button">
            I have copied the key
          </a>
        </div>
      </div>
    </Layout>
  );
}

export function IssueKeyPage({ source, prefix }: { source: SourceRow; prefix: string | null }) {
  const heading = `Issue a new API key for ${source.name}?`;
  return (
    <Layout title={heading} breadcrumbs={sourceCrumbs(source)}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            {prefix ? (
              <>
                The key it has now (<code>{prefix}</code>) will stop working straight away, so events sent with it will be refused until the product has the new
                key.{' '}
              </>
            ) : (
              'It has no working key. '
            )}
            The new key is shown once, on the next page.
          </p>
          <Form action={`${sourceUrl(source)}/key`}>
            <ButtonGroup>
              <Button warning={!!prefix}>Issue a new key</Button>
              <CancelLink href={sourceUrl(source)} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export function UploadStatusTag({ upload }: { upload: Pick<UploadListItem, 'status'> }) {
  const s = UPLOAD_STATUSES[upload.status];
  return <Tag tone={s.tone}>{s.label}</Tag>;
}

export const uploadUrl = (u: { id: string; status: string }) =>
  u.status === 'columns' ? `/monitoring/uploads/${u.id}/columns` : `/monitoring/uploads/${u.id}`;

export function SourcePage({ data, baseUrl, canUpload }: { data: SourcePageData; baseUrl: string; canUpload: boolean }) {
  const manage = useCanManage();
  const { source, key, schools, counts } = data;
  const active = !source.archivedAt;
  const uploadColumns: Column<UploadListItem>[] = [
    {
      header: 'File',
      cell: (u) => (
        <a className="govuk-link" href={uploadUrl(u)}>
          {u.fileName}
        </a>
      ),
    },
    {
      header: 'Uploaded',
      cell: (u) => (
        <>
          {formatDateTime(u.createdAt)}
          <br />
          <span className="govuk-body-s cs-muted">{u.via === 'cli' ? 'with the command line' : `by ${u.uploadedByName ?? 'someone no longer listed'}`}</span>
        </>
      ),
    },
    { header: 'Lines', cell: (u) => u.linesRead.toLocaleString('en-GB'), numeric: true },
    { header: 'Accepted', cell: (u) => u.eventsAccepted.toLocaleString('en-GB'), numeric: true },
    { header: 'Not taken', cell: (u) => u.malformedCount.toLocaleString('en-GB'), numeric: true },
    { header: 'Status', cell: (u) => <UploadStatusTag upload={u} /> },
  ];
  return (
    <Layout title={source.name} breadcrumbs={SOURCES_CRUMBS}>
      <PageHeading
        caption="Monitoring source"
        actions={
          active && (
            <>
              {canUpload && (
                <a href={`${sourceUrl(source)}/upload`} className="govuk-button" data-module="govuk-button">
                  Upload a log file
                </a>
              )}
              {manage && (
                <a href={`${sourceUrl(source)}/edit`} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                  Change source
                </a>
              )}
            </>
          )
        }
      >
        {source.name}
      </PageHeading>
      {!active && <InsetText>This source was archived on {formatDateTime(source.archivedAt)}. Its key was revoked; its alerts and counts are kept.</InsetText>}
      <SummaryList
        rows={[
          { key: 'Kind', value: SOURCE_KINDS[source.kind] },
          { key: 'Covers', value: schoolsText(schools) },
          { key: 'Usernames', value: USERNAME_MATCHES[source.usernameMatch] },
          {
            key: 'API key',
            value: key ? (
              <>
                <code>{key.prefix}</code> {key.revokedAt ? <Tag tone="grey">Revoked</Tag> : <Tag tone="green">Active</Tag>}
                <br />
                <span className="govuk-body-s cs-muted">{key.lastUsedAt ? `Last used ${formatDateTime(key.lastUsedAt)}` : 'Not used yet'}</span>
              </>
            ) : (
              'None'
            ),
            action: manage && active ? { href: `${sourceUrl(source)}/key`, label: 'Issue a new key' } : undefined,
          },
          { key: 'Last event', value: counts.lastEventAt ? formatDateTime(counts.lastEventAt) : 'None yet' },
          { key: 'Events today', value: counts.today.toLocaleString('en-GB') },
          { key: 'Events in the last 7 days', value: counts.week.toLocaleString('en-GB') },
        ]}
      />

      <h2 className="govuk-heading-m">Unmatched usernames</h2>
      {counts.unmatched === 0 ? (
        <p className="govuk-body">Every username this source has sent is matched to a person or set aside as not staff.</p>
      ) : (
        <p className="govuk-body">
          {plural(counts.unmatched, 'username has', 'usernames have')} not been matched to a person. Alerts about them still go to the DSL team, showing the
          username.{' '}
          {data.topUnmatched.length > 0 && `Seen most: ${data.topUnmatched.map((u) => `${u.username} (${plural(u.eventCount, 'event')})`).join(', ')}.`}
        </p>
      )}
      <p className="govuk-body">
        <a className="govuk-link" href={`${sourceUrl(source)}/usernames`}>
          {manage ? 'Match usernames to people' : 'See the usernames'}
        </a>
      </p>

      {active && (
        <>
          <h2 className="govuk-heading-m">How to send events</h2>
          <p className="govuk-body">
            The product sends each event, or an array of up to 1,000, as JSON to <code>{eventsEndpoint(baseUrl)}</code>, with the source’s key (it starts{' '}
            <code>{key?.prefix ?? 'cs_'}</code>) in the Authorization header. Countersign answers 202 with how many were accepted, and why any were refused. For
            example:
          </p>
          <pre className="cs-pre">{curlExample(baseUrl, `${key?.prefix ?? 'cs_…'}_…`, source.usernameMatch)}</pre>
          <p className="govuk-body">
            Fields: <code>occurredAt</code> (required, ISO 8601 with a time zone), <code>username</code> (or <code>ip</code>), <code>url</code>,{' '}
            <code>category</code>, <code>action</code> (allowed or blocked), <code>severity</code> (low, medium or high), <code>device</code>,{' '}
            <code>detail</code>. Sign-ins and file deletions are sent with <code>kind</code> logon or file_deletion. The{' '}
            <a className="govuk-link" href="/api/v1/openapi.json">
              API description (OpenAPI)
            </a>{' '}
            has every field.
          </p>
        </>
      )}

      <h2 className="govuk-heading-m">Recent uploads</h2>
      <Table caption="Recent uploads" columns={uploadColumns} rows={data.uploads} rowKey={(u) => u.id} empty="No log files have been uploaded yet." />
    </Layout>
  );
}
