import type { FieldErrors } from '../../../errors.ts';
import { SummaryList, Table } from '../../../ui/components.tsx';
import { CsvColumns, CsvFileField, CsvProblems } from '../../../ui/csv-upload.tsx';
import { formatDate, plural } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, Checkboxes, ErrorSummary, Form, type FormValues } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { kindLabel } from '../roles.ts';
import { COLUMNS, changeCount, MAX_ROWS, planCounts } from './csv.ts';
import type { ImportPreview } from './service.ts';

const UPLOAD_TITLE = 'Import people from a spreadsheet';
const crumbs = [
  { href: '/', label: 'Home' },
  { href: '/people', label: 'People' },
];

export function ImportUploadPage({ maxBytes, errors, values }: { maxBytes: number; errors?: FieldErrors; values?: FormValues }) {
  return (
    <Layout title={errors ? `Error: ${UPLOAD_TITLE}` : UPLOAD_TITLE} breadcrumbs={crumbs}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{UPLOAD_TITLE}</h1>
          <p className="govuk-body">
            Add and update people from the staff list your MIS or HR system exports. You will see what changes before anything is saved.
          </p>
          <p className="govuk-body">
            Someone already in Countersign is found by their external ID, or else by their email address, and updated rather than added again.
          </p>
        </div>
      </div>
      <CsvColumns
        columns={COLUMNS}
        templateHref="/people/import/template.csv"
        note="In a column that is in the file, a blank cell clears that detail; leave a column out to keep what Countersign already has."
      />
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <Form action="/people/import" multipart>
            <CsvFileField errors={errors} maxBytes={maxBytes} maxRows={MAX_ROWS} noun="people" />
            <Checkboxes
              name="endDateMissing"
              label="People who have left"
              hint="Only tick this if the file lists everyone who works or volunteers in the trust now. You are never recorded as having left."
              small
              options={[{ value: 'yes', label: 'This is a full list: record people missing from it as having left today' }]}
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>Upload and preview</Button>
              <CancelLink href="/people" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export function ImportPreviewPage({ preview }: { preview: ImportPreview }) {
  const { plan } = preview;
  const counts = planCounts(plan);
  const problems = plan.rowErrors.length;
  const changes = changeCount(plan);
  const title = 'Check the import';
  return (
    <Layout title={problems ? `Error: ${title}` : title} breadcrumbs={[...crumbs, { href: '/people/import', label: 'Import' }]}>
      <ErrorSummary
        errors={problems ? { problems: `The file has ${plural(problems, 'problem')}. Nothing can be imported until they are fixed.` } : undefined}
      />
      <span className="govuk-caption-l">{preview.fileName}</span>
      <h1 className="govuk-heading-l">{title}</h1>
      <SummaryList
        rows={[
          { key: 'To be added', value: plural(counts.added, 'person', 'people') },
          { key: 'To be updated', value: plural(counts.updated, 'person', 'people') },
          { key: 'Unchanged', value: plural(counts.unchanged, 'person', 'people') },
          {
            key: 'To be recorded as left',
            value: preview.endDateMissing ? plural(counts.endDated, 'person', 'people') : 'Nobody: this was not uploaded as a full list',
          },
        ]}
      />
      <CsvProblems warnings={plan.warnings} rowErrors={plan.rowErrors} uploadHref="/people/import" />
      {plan.creates.length > 0 && (
        <>
          <h2 className="govuk-heading-m">To be added</h2>
          <Table
            caption="To be added"
            columns={[
              { header: 'Line', cell: (c) => c.line, numeric: true },
              { header: 'Name', cell: (c) => c.fields.fullName },
              { header: 'Email', cell: (c) => c.fields.email },
              { header: 'Kind', cell: (c) => kindLabel(c.fields.kind) },
              { header: 'Position', cell: (c) => c.fields.position ?? '' },
              { header: 'Schools', cell: (c) => c.schoolNames.join(', ') || 'Central team' },
            ]}
            rows={plan.creates}
            rowKey={(c) => String(c.line)}
          />
        </>
      )}
      {plan.updates.length > 0 && (
        <>
          <h2 className="govuk-heading-m">To be updated</h2>
          <Table
            caption="To be updated"
            columns={[
              { header: 'Line', cell: (u) => u.line, numeric: true },
              {
                header: 'Person',
                cell: (u) => (
                  <>
                    <a className="govuk-link" href={`/people/${u.personId}`}>
                      {u.fullName}
                    </a>
                    <br />
                    <span className="govuk-body-s cs-muted">{u.email}</span>
                  </>
                ),
              },
              {
                header: 'Changes',
                cell: (u) => (
                  <ul className="govuk-list">
                    {u.changes.map((c) => (
                      <li key={c.field}>
                        {c.field}: {c.before} → {c.after}
                      </li>
                    ))}
                  </ul>
                ),
              },
            ]}
            rows={plan.updates}
            rowKey={(u) => u.personId}
          />
        </>
      )}
      {plan.leavers.length > 0 && (
        <>
          <h2 className="govuk-heading-m">To be recorded as left on {formatDate(plan.today)}</h2>
          <p className="govuk-body">They are not in the file, which was uploaded as a full list.</p>
          <Table
            caption="To be recorded as left"
            columns={[
              { header: 'Name', cell: (l) => l.fullName },
              { header: 'Email', cell: (l) => l.email },
            ]}
            rows={plan.leavers}
            rowKey={(l) => l.personId}
          />
        </>
      )}
      {problems === 0 && changes === 0 && (
        <p className="govuk-body">
          Nothing to import: everyone in the file is already up to date.{' '}
          <a className="govuk-link" href="/people">
            Back to people
          </a>
        </p>
      )}
      {problems === 0 && changes > 0 && preview.batchId && (
        <Form action={`/people/import/${preview.batchId}/apply`}>
          <ButtonGroup>
            <Button>Import {plural(changes, 'change')}</Button>
            <CancelLink href="/people/import" />
          </ButtonGroup>
        </Form>
      )}
    </Layout>
  );
}
