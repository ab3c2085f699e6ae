import type { FieldErrors } from '../errors.ts';
import { Table, WarningText } from './components.tsx';
import { FileUpload, fieldId } from './forms.tsx';

/** A column an import understands, as its upload page explains it. */
export type CsvColumn = { key: string; required: string; aliases: readonly string[]; format: string; meaning: string };

/** The columns of an import, the words that explain them, and the template to download. */
export function CsvColumns({ columns, note, templateHref }: { columns: readonly CsvColumn[]; note: string; templateHref: string }) {
  return (
    <>
      <h2 className="govuk-heading-m">Columns</h2>
      <p className="govuk-body">
        The first line must be a header row. Columns can be in any order, and headings can use any capitals, spaces or underscores. Other columns are ignored.{' '}
        {note}
      </p>
      <Table
        caption="Columns"
        columns={[
          { header: 'Column', cell: (c) => <code>{c.key}</code> },
          { header: 'Required', cell: (c) => c.required },
          { header: 'Also accepted', cell: (c) => c.aliases.join(', ') },
          { header: 'Format', cell: (c) => c.format },
          { header: 'Meaning', cell: (c) => c.meaning },
        ]}
        rows={[...columns]}
        rowKey={(c) => c.key}
      />
      <p className="govuk-body">
        <a className="govuk-link" href={templateHref} download>
          Download a template (CSV)
        </a>
      </p>
    </>
  );
}

/** The file field of an import: what to save from Excel, the size limit and the most rows. */
export function CsvFileField({ errors, maxBytes, maxRows, noun }: { errors?: FieldErrors; maxBytes: number; maxRows: number; noun: string }) {
  return (
    <FileUpload
      name="file"
      label="CSV file"
      hint={`A .csv file saved as UTF-8 (in Excel, ‘CSV UTF-8 (Comma delimited)’), smaller than ${maxBytes / (1024 * 1024)} MB, with at most ${maxRows.toLocaleString('en-GB')} ${noun}.`}
      accept=".csv,text/csv"
      errors={errors}
    />
  );
}

/** The warnings about the file, and every problem with its line number, with a way to upload a corrected file. */
export function CsvProblems({ warnings, rowErrors, uploadHref }: { warnings: string[]; rowErrors: { line: number; message: string }[]; uploadHref: string }) {
  return (
    <>
      {warnings.map((w) => (
        <WarningText key={w}>{w}</WarningText>
      ))}
      {rowErrors.length > 0 && (
        <>
          <h2 className="govuk-heading-m" id={fieldId('problems')}>
            Problems in the file
          </h2>
          <p className="govuk-body">Nothing has been imported. Fix these problems in the spreadsheet, save it as CSV again and upload it again.</p>
          <Table
            caption="Problems in the file"
            columns={[
              { header: 'Line', cell: (e) => e.line, numeric: true },
              { header: 'Problem', cell: (e) => e.message },
            ]}
            rows={rowErrors}
            rowKey={(e) => `${e.line}:${e.message}`}
          />
          <a href={uploadHref} className="govuk-button" data-module="govuk-button">
            Upload a corrected file
          </a>
        </>
      )}
    </>
  );
}
