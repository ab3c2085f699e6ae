import type { FieldErrors } from '../../../errors.ts';
import { InsetText, SummaryList, Table, Tag } from '../../../ui/components.tsx';
import { CsvColumns, CsvFileField, CsvProblems } from '../../../ui/csv-upload.tsx';
import { formatDate, formatDateTime, plural } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, ErrorSummary, Form } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { COLUMNS, MAX_ROWS, planCounts } from './csv.ts';
import type { ImportPreview, ImportResult } from './service.ts';

const UPLOAD_TITLE = 'Import past signatures';
const crumbs = [
  { href: '/', label: 'Home' },
  { href: '/compliance', label: 'Compliance' },
];

export function SignaturesUploadPage({ maxBytes, errors }: { maxBytes: number; errors?: FieldErrors }) {
  return (
    <Layout title={errors ? `Error: ${UPLOAD_TITLE}` : UPLOAD_TITLE} breadcrumbs={crumbs}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{UPLOAD_TITLE}</h1>
          <p className="govuk-body">
            Bring in the signatures staff gave before you used Countersign: the paper sign-off sheets or the spreadsheet the office kept. Each one is recorded
            as an imported signature of the version they signed, so you do not start from zero.
          </p>
          <p className="govuk-body">
            You will see every line checked before anything is saved. The file is imported whole or not at all: if any line has a problem, nothing is recorded
            until it is fixed.
          </p>
          <InsetText>
            Imported signatures are marked as imported on the record and the certificate, with your name and the file they came from. Keep the paper sheets:
            they are the original evidence.
          </InsetText>
        </div>
      </div>
      <CsvColumns
        columns={COLUMNS}
        templateHref="/acknowledgements/import/template.csv"
        note="The version must have been published in Countersign: add and publish the policy’s earlier versions first if the signatures are for them."
      />
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <Form action="/acknowledgements/import" multipart>
            <CsvFileField errors={errors} maxBytes={maxBytes} maxRows={MAX_ROWS} noun="signatures" />
            <ButtonGroup>
              <Button>Upload and check</Button>
              <CancelLink href="/compliance" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export function SignaturesPreviewPage({ preview }: { preview: ImportPreview }) {
  const { plan } = preview;
  const counts = planCounts(plan);
  const problems = plan.rowErrors.length;
  const title = 'Check the signatures';
  return (
    <Layout title={problems ? `Error: ${title}` : title} breadcrumbs={[...crumbs, { href: '/acknowledgements/import', label: 'Import past signatures' }]}>
      <ErrorSummary
        errors={problems ? { problems: `The file has ${plural(problems, 'problem')}. Nothing can be imported until they are fixed.` } : undefined}
      />
      <span className="govuk-caption-l">{preview.fileName}</span>
      <h1 className="govuk-heading-l">{title}</h1>
      <SummaryList
        rows={[
          { key: 'Lines with a problem', value: problems ? <Tag tone="red">{plural(new Set(plan.rowErrors.map((e) => e.line)).size, 'line')}</Tag> : 'None' },
          { key: 'Signatures ready to import', value: plural(counts.signatures, 'signature') },
          { key: 'Of the version in force', value: plural(counts.inForce, 'signature') },
          { key: 'Of earlier versions', value: plural(counts.earlierVersions, 'signature') },
          { key: 'From people who have left', value: plural(counts.leavers, 'signature') },
        ]}
      />
      <CsvProblems warnings={plan.warnings} rowErrors={plan.rowErrors} uploadHref="/acknowledgements/import" />
      {plan.rows.length > 0 && (
        <>
          <h2 className="govuk-heading-m">{problems ? 'Lines without problems' : 'Signatures to import'}</h2>
          <Table
            caption={problems ? 'Lines without problems' : 'Signatures to import'}
            columns={[
              { header: 'Line', cell: (r) => r.line, numeric: true },
              {
                header: 'Person',
                cell: (r) => (
                  <>
                    <a className="govuk-link" href={`/people/${r.personId}`}>
                      {r.personName}
                    </a>
                    <br />
                    <span className="govuk-body-s cs-muted">{r.email}</span>
                    {r.leftOn && (
                      <>
                        <br />
                        <Tag tone="grey">Left {formatDate(r.leftOn)}</Tag>
                      </>
                    )}
                  </>
                ),
              },
              { header: 'Policy', cell: (r) => r.policyTitle },
              {
                header: 'Version',
                cell: (r) => (
                  <>
                    {r.versionLabel}
                    {r.versionStatus !== 'published' && (
                      <>
                        <br />
                        <Tag tone="grey">No longer in force</Tag>
                      </>
                    )}
                  </>
                ),
              },
              { header: 'Signed on', cell: (r) => formatDate(r.signedOn) },
              { header: 'Position', cell: (r) => r.position || <span className="cs-muted">Not recorded</span> },
              { header: 'Note', cell: (r) => r.note ?? '' },
            ]}
            rows={plan.rows}
            rowKey={(r) => String(r.line)}
          />
        </>
      )}
      {problems === 0 && preview.batchId && (
        <Form action={`/acknowledgements/import/${preview.batchId}/apply`}>
          <p className="govuk-body">
            Importing records each signature as evidence that cannot be changed or deleted afterwards. Check the people, versions and dates above first.
          </p>
          <ButtonGroup>
            <Button>Import {plural(counts.signatures, 'signature')}</Button>
            <CancelLink href="/acknowledgements/import" />
          </ButtonGroup>
        </Form>
      )}
      {problems === 0 && !preview.batchId && (
        <p className="govuk-body">
          Signatures, people or policies have changed since this file was checked.{' '}
          <a className="govuk-link" href="/acknowledgements/import">
            Upload the file again
          </a>{' '}
          to check it as things are now.
        </p>
      )}
    </Layout>
  );
}

export function SignaturesImportedPage({ fileName, appliedAt, result }: { fileName: string; appliedAt: Date | null; result: ImportResult }) {
  const title = 'Past signatures imported';
  return (
    <Layout title={title} breadcrumbs={[...crumbs, { href: '/acknowledgements/import', label: 'Import past signatures' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <div className="govuk-panel govuk-panel--confirmation">
            <h1 className="govuk-panel__title">{title}</h1>
            <div className="govuk-panel__body">{plural(result.signatures, 'signature')} imported</div>
          </div>
          <SummaryList
            rows={[
              { key: 'File', value: fileName },
              { key: 'Imported', value: appliedAt ? formatDateTime(appliedAt) : '' },
              { key: 'Of the version in force', value: plural(result.inForce, 'signature') },
              { key: 'Of earlier versions', value: plural(result.earlierVersions, 'signature') },
              { key: 'From people who have left', value: plural(result.leavers, 'signature') },
              {
                key: 'Evidence records',
                value: result.signatures ? `Numbers ${result.firstSeq.toLocaleString('en-GB')} to ${result.lastSeq.toLocaleString('en-GB')} in the chain` : '',
              },
            ]}
          />
          {result.carried > 0 && (
            <p className="govuk-body">
              {plural(result.carried, 'signature')} of an earlier version also {result.carried === 1 ? 'counts' : 'count'} for the version in force, which only
              made minor changes to it.
            </p>
          )}
          <h2 className="govuk-heading-m">What happens next</h2>
          <p className="govuk-body">
            The people whose signature of the version in force was imported no longer need to sign it, and are not sent reminders. Everyone else still has to
            sign the version in force.
          </p>
          <ul className="govuk-list">
            <li>
              <a className="govuk-link" href="/compliance">
                See who has signed on the compliance dashboard
              </a>
            </li>
            <li>
              <a className="govuk-link" href="/acknowledgements/import">
                Import another file
              </a>
            </li>
          </ul>
        </div>
      </div>
    </Layout>
  );
}
