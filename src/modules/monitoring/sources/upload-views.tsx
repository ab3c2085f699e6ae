import type { FieldErrors } from '../../../errors.ts';
import { InsetText, SummaryList, Table, WarningText } from '../../../ui/components.tsx';
import { formatDateTime, plural } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, ErrorSummary, FileUpload, Form, type FormValues, Radios, Select } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { LOG_FORMATS, type LogFormat } from '../schema.ts';
import { COLUMN_FIELDS } from './columns.ts';
import type { SourceRow, UploadListItem } from './service.ts';
import { SOURCES_CRUMBS, sourceCrumbs, sourceUrl, UploadStatusTag } from './views.tsx';

/** "512 bytes", "64 KB", "12.3 MB", "1 GB". */
export function formatBytes(n: number): string {
  if (n < 1024) return plural(n, 'byte');
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || Number.isInteger(value) ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

const FORMAT_HINTS: Record<LogFormat, string> = {
  squid: 'Squid’s default access.log lines: 1772546700.123 45 10.0.4.17 TCP_DENIED/403 0 GET http://casino.example/ jsmith HIER_NONE/- text/html',
  squid_common:
    'Lines like a web server’s: 10.0.4.17 - jsmith [03/Mar/2026:14:05:00 +0000] "GET http://casino.example/ HTTP/1.1" 403 3890 TCP_DENIED:HIER_NONE, with or without the referrer and browser.',
  csv: 'An export from a filtering or monitoring product with a header row. You choose which column is which on the next page.',
};

/** How to read a file too large for the browser: on the server, with the command line. */
export const cliCommand = (trustSlug: string, source: SourceRow, format: LogFormat | string = 'squid') =>
  `countersign ingest-log --trust ${trustSlug} --source "${source.name}" --format ${format} /path/to/access.log`;

export function UploadLogPage({
  source,
  trustSlug,
  maxBytes,
  errors,
  values,
}: {
  source: SourceRow;
  trustSlug: string;
  maxBytes: number;
  errors?: FieldErrors;
  values: FormValues;
}) {
  const heading = `Upload a log file to ${source.name}`;
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={sourceCrumbs(source)}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            Countersign reads the file in the background: you can leave the progress page and come back. Lines it cannot read are counted and listed with their
            numbers; the rest are still read. Events more than 5 minutes in the future are refused.
          </p>
          <Form action={`${sourceUrl(source)}/uploads`} multipart>
            <FileUpload
              name="file"
              label="Log file"
              hint={`A plain-text log, smaller than ${formatBytes(maxBytes)}. Uncompress .gz or .zip files first.`}
              errors={errors}
            />
            <Radios
              name="format"
              label="What format is it in?"
              options={(Object.keys(LOG_FORMATS) as LogFormat[]).map((f) => ({ value: f, label: LOG_FORMATS[f], hint: FORMAT_HINTS[f] }))}
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>Upload and read the file</Button>
              <CancelLink href={sourceUrl(source)} />
            </ButtonGroup>
          </Form>
          <h2 className="govuk-heading-m">Files over {formatBytes(maxBytes)}</h2>
          <p className="govuk-body">Read them on the server with the command line, which shows its progress as it goes:</p>
          <pre className="cs-pre">{cliCommand(trustSlug, source)}</pre>
        </div>
      </div>
    </Layout>
  );
}

export function ColumnsPage({
  source,
  upload,
  header,
  errors,
  values,
}: {
  source: SourceRow;
  upload: UploadListItem;
  header: string[];
  errors?: FieldErrors;
  values: FormValues;
}) {
  const heading = 'Which column is which?';
  const options = header.map((h) => ({ value: h, label: h }));
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={sourceCrumbs(source)}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">{upload.fileName}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            The file’s header row has {plural(header.length, 'column')}. Countersign has guessed from their names: check each one. When it happened and the
            username are needed; leave the others as ‘Not in the file’ when the file does not have them.
          </p>
          <Form action={`/monitoring/uploads/${upload.id}/columns`}>
            {COLUMN_FIELDS.map((f) => (
              <Select
                key={f.key}
                name={f.key}
                label={f.required ? f.label : `${f.label} (optional)`}
                hint={f.hint}
                options={options}
                emptyLabel="Not in the file"
                errors={errors}
                values={values}
              />
            ))}
            <ButtonGroup>
              <Button>Read the file</Button>
              <CancelLink href={sourceUrl(source)} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

const RUNNING = new Set(['queued', 'running']);

export function UploadProgressPage({
  source,
  upload,
  canAlerts,
  canUsernames,
}: {
  source: SourceRow;
  upload: UploadListItem;
  canAlerts: boolean;
  canUsernames: boolean;
}) {
  const running = RUNNING.has(upload.status);
  const here = `/monitoring/uploads/${upload.id}`;
  const done = upload.status === 'done';
  const percent = upload.fileBytes > 0 ? Math.min(100, Math.floor((upload.bytesRead / upload.fileBytes) * 100)) : done ? 100 : 0;
  const alerts = upload.alertsRaised + upload.alertsExtended;
  return (
    <Layout
      title={`${upload.fileName}: ${running ? `${percent}% read` : upload.status === 'done' ? 'read' : upload.status}`}
      breadcrumbs={[...SOURCES_CRUMBS, { href: sourceUrl(source), label: source.name }]}
    >
      {/* public/app.js fetches this page again every 2 seconds while data-poll is on it and swaps
          the region in; without JavaScript, "Check progress again" does the same. A meta refresh
          would reload the whole page under a screen reader's feet (WCAG 2.2.1). */}
      <div data-poll={running ? '2' : undefined}>
        <span className="govuk-caption-l">Log file for {source.name}</span>
        <h1 className="govuk-heading-l">{upload.fileName}</h1>
        <p className="govuk-body" role="status">
          <UploadStatusTag upload={upload} />
        </p>
        {upload.status === 'failed' && upload.error && <WarningText>{upload.error}</WarningText>}
        <div className="govuk-form-group">
          <label className="govuk-label" htmlFor="upload-progress">
            {formatBytes(upload.bytesRead)} of {formatBytes(upload.fileBytes)} read ({percent}%)
          </label>
          <progress
            id="upload-progress"
            className="cs-progress"
            max={Math.max(upload.fileBytes, 1)}
            value={Math.min(upload.bytesRead, Math.max(upload.fileBytes, 1))}
          >
            {percent}%
          </progress>
        </div>
        {running && (
          <p className="govuk-body">
            This page updates itself while the file is read. You can leave it: reading goes on, and the source’s page lists the upload.{' '}
            <a className="govuk-link" href={here}>
              Check progress again
            </a>
          </p>
        )}
        <SummaryList
          rows={[
            { key: 'Lines read', value: upload.linesRead.toLocaleString('en-GB') },
            { key: 'Events accepted', value: upload.eventsAccepted.toLocaleString('en-GB') },
            { key: 'Lines not taken', value: upload.malformedCount.toLocaleString('en-GB') },
            { key: 'Of these, dated in the future', value: upload.futureCount.toLocaleString('en-GB') },
            {
              key: 'New unmatched usernames',
              value:
                upload.unmatchedUsernames > 0 && canUsernames ? (
                  <a className="govuk-link" href={`${sourceUrl(source)}/usernames`}>
                    {upload.unmatchedUsernames.toLocaleString('en-GB')}
                    <span className="govuk-visually-hidden"> unmatched usernames: match them to people</span>
                  </a>
                ) : (
                  upload.unmatchedUsernames.toLocaleString('en-GB')
                ),
            },
            {
              key: 'Alerts',
              value: (
                <>
                  {plural(upload.alertsRaised, 'raised', 'raised')}, {plural(upload.alertsExtended, 'extended', 'extended')}
                  {alerts > 0 && canAlerts && (
                    <>
                      {' '}
                      <a className="govuk-link" href="/monitoring/alerts">
                        See the alerts
                      </a>
                    </>
                  )}
                </>
              ),
            },
            { key: 'Format', value: LOG_FORMATS[upload.format] },
            {
              key: 'Uploaded',
              value: `${formatDateTime(upload.createdAt)} ${upload.via === 'cli' ? 'with the command line' : `by ${upload.uploadedByName ?? 'someone no longer listed'}`}`,
            },
            ...(upload.finishedAt ? [{ key: 'Finished', value: formatDateTime(upload.finishedAt) }] : []),
          ]}
        />
        {upload.malformedCount > 0 && (
          <>
            <h2 className="govuk-heading-m">Lines not taken</h2>
            <p className="govuk-body">
              {upload.malformed.length < upload.malformedCount
                ? `The first ${upload.malformed.length} of ${plural(upload.malformedCount, 'line')} are listed, with why each was not taken.`
                : 'Each line not taken is listed, with why.'}{' '}
              The other lines were read.
            </p>
            <Table
              caption="Lines not taken"
              columns={[
                { header: 'Line', cell: (m) => m.line.toLocaleString('en-GB'), numeric: true },
                { header: 'Problem', cell: (m) => m.reason },
              ]}
              rows={upload.malformed}
              rowKey={(m) => `${m.line}:${m.reason}`}
            />
          </>
        )}
        {!running && (
          <InsetText>
            <a className="govuk-link" href={sourceUrl(source)}>
              Back to {source.name}
            </a>
          </InsetText>
        )}
      </div>
    </Layout>
  );
}
