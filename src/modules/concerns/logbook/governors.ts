import { formatDate, formatDateTime } from '../../../ui/format.ts';
import { createPdf } from '../../../ui/pdf.ts';
import { BOM, csvLine } from '../../acknowledgements/compliance/csv.ts';
import { typeLabel } from '../types.ts';
import { type GovernorsSummary, periodText } from './service.ts';

/*
 * The governors' summary of the online-safety logbook, as CSV and PDF. Built only from a
 * GovernorsSummary, which holds counts and labels: nothing here can print a name, a reference or
 * a word of a report, because nothing here is given one.
 */

export const GOVERNORS_TITLE = 'Online safety: summary for governors';
export const NO_NAMES_NOTE =
  'This summary holds counts only: no names, no references and nothing from the reports themselves. Small numbers are shown as they are, so take care when sharing it that nobody can be recognised from them.';
const COUNTING_NOTE =
  'It counts the concerns with a safeguarding side (the online-safety logbook) that happened in the period, by when they happened (UK time), with their status and outcome today.';

/** "online-safety-governors-2025-09-01-to-2026-03-14.csv" */
export const governorsFilename = (s: Pick<GovernorsSummary, 'from' | 'to'>, ext: 'csv' | 'pdf') => `online-safety-governors-${s.from}-to-${s.to}.${ext}`;

export function governorsCsv(s: GovernorsSummary, producedAt: Date): string {
  const lines = [
    csvLine([GOVERNORS_TITLE]),
    csvLine(['Trust', s.trustName]),
    csvLine(['School', s.schoolLabel]),
    csvLine(['Period', periodText(s)]),
    csvLine(['Produced on', formatDateTime(producedAt)]),
    csvLine([NO_NAMES_NOTE]),
    csvLine([COUNTING_NOTE]),
    '\r\n',
    csvLine(['Concerns by type and month']),
    csvLine(['Month', ...s.types.map(typeLabel), 'Total']),
    ...s.months.map((m) => csvLine([m.label, ...s.types.map((t) => m.counts[t] ?? 0), m.total])),
    csvLine(['Total', ...s.types.map((t) => s.byType[t] ?? 0), s.total]),
    '\r\n',
    csvLine(['By status today']),
    csvLine(['Status', 'Number']),
    ...s.byStatus.map((r) => csvLine([r.label, r.n])),
    '\r\n',
    csvLine(['By outcome']),
    csvLine(['Outcome', 'Number']),
    ...s.byOutcome.map((r) => csvLine([r.label, r.n])),
    '\r\n',
    csvLine(['Total concerns', s.total]),
  ];
  return BOM + lines.join('');
}

const MARGIN = { top: 40, bottom: 50, left: 40, right: 40 };
const INK = '#0b0c0c';
const GREY = '#505a5f';
const RULE = '#b1b4b6';
const SIZE = 9;

type PdfColumn<T> = { header: string; width: number; numeric?: boolean; text: (row: T) => string };

const n = (value: number) => value.toLocaleString('en-GB');

/** The summary as an A4 landscape PDF (the month table has a column per type). */
export function governorsPdf(s: GovernorsSummary, producedAt: Date): Promise<Uint8Array> {
  const { doc, bytes } = createPdf(
    { Title: `${GOVERNORS_TITLE}, ${s.schoolLabel}, ${periodText(s)}`, Author: s.trustName, Subject: NO_NAMES_NOTE, CreationDate: producedAt },
    MARGIN,
    'landscape',
  );
  const left = MARGIN.left;
  const right = () => doc.page.width - MARGIN.right;
  const bottom = () => doc.page.height - MARGIN.bottom;
  const width = () => right() - left;

  const heading = (text: string) => {
    if (doc.y + 80 > bottom()) doc.addPage();
    doc.moveDown(0.8);
    doc.font('bold').fontSize(13).fillColor(INK).text(text, left, doc.y, { width: width() });
    doc.moveDown(0.3);
  };

  /** A table that wraps its cells and repeats its header on each new page; `last` rows are drawn bold (totals). */
  const table = <T>(columns: PdfColumn<T>[], rows: T[], boldLast = false) => {
    const total = columns.reduce((sum, c) => sum + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * width());
    const xs = widths.map((_, i) => left + widths.slice(0, i).reduce((sum, w) => sum + w, 0));
    const pad = 3;
    const rowHeight = (cells: string[], font: 'body' | 'bold') => {
      doc.font(font).fontSize(SIZE);
      return Math.max(...cells.map((c, i) => doc.heightOfString(c || ' ', { width: (widths[i] ?? 0) - 2 * pad }))) + 2 * pad;
    };
    const draw = (cells: string[], font: 'body' | 'bold', rule: 'heavy' | 'light') => {
      const h = rowHeight(cells, font);
      const y = doc.y;
      doc.font(font).fontSize(SIZE).fillColor(INK);
      cells.forEach((c, i) => {
        doc.text(c, (xs[i] ?? left) + pad, y + pad, { width: (widths[i] ?? 0) - 2 * pad, align: columns[i]?.numeric ? 'right' : 'left' });
      });
      doc
        .moveTo(left, y + h)
        .lineTo(right(), y + h)
        .lineWidth(rule === 'heavy' ? 1 : 0.5)
        .strokeColor(rule === 'heavy' ? INK : RULE)
        .stroke();
      doc.y = y + h;
    };
    const header = columns.map((c) => c.header);
    if (doc.y + rowHeight(header, 'bold') * 2 > bottom()) doc.addPage();
    draw(header, 'bold', 'heavy');
    rows.forEach((row, i) => {
      const cells = columns.map((c) => c.text(row));
      const font = boldLast && i === rows.length - 1 ? 'bold' : 'body';
      if (doc.y + rowHeight(cells, font) > bottom()) {
        doc.addPage();
        draw(header, 'bold', 'heavy');
      }
      draw(cells, font, 'light');
    });
    doc.x = left;
  };

  // Title block: what, where, when, and that it names nobody.
  doc.font('body').fontSize(10).fillColor(GREY).text(s.trustName, left, doc.y, { width: width() });
  doc.font('bold').fontSize(20).fillColor(INK).text(GOVERNORS_TITLE, left, doc.y, { width: width() });
  doc.moveDown(0.3);
  doc
    .font('bold')
    .fontSize(11)
    .fillColor(INK)
    .text(`${s.schoolLabel}: ${periodText(s)}`, left, doc.y, { width: width() });
  doc.moveDown(0.3);
  doc
    .font('body')
    .fontSize(9.5)
    .fillColor(GREY)
    .text(`Produced on ${formatDateTime(producedAt)}.`, left, doc.y, { width: width() });
  doc.text(NO_NAMES_NOTE, left, doc.y, { width: width() });
  doc.text(COUNTING_NOTE, left, doc.y, { width: width() });

  heading(`In all: ${n(s.total)} ${s.total === 1 ? 'concern' : 'concerns'}`);

  heading('Concerns by type and month');
  type MonthRow = { label: string; counts: Record<string, number>; total: number };
  table<MonthRow>(
    [
      { header: 'Month', width: 2.2, text: (r) => r.label },
      ...s.types.map((t) => ({ header: typeLabel(t), width: 1.6, numeric: true, text: (r: MonthRow) => n(r.counts[t] ?? 0) })),
      { header: 'Total', width: 1, numeric: true, text: (r) => n(r.total) },
    ],
    [...s.months, { label: 'Total', counts: s.byType, total: s.total }],
    true,
  );

  heading('By status today');
  table<{ label: string; n: number }>(
    [
      { header: 'Status', width: 4, text: (r) => r.label },
      { header: 'Number', width: 1.5, numeric: true, text: (r) => n(r.n) },
      { header: '', width: 10, text: () => '' },
    ],
    s.byStatus,
  );

  heading('By outcome');
  table<{ label: string; n: number }>(
    [
      { header: 'Outcome', width: 4, text: (r) => r.label },
      { header: 'Number', width: 1.5, numeric: true, text: (r) => n(r.n) },
      { header: '', width: 10, text: () => '' },
    ],
    s.byOutcome,
  );

  // Every page's footer: what this is, for when, and "Page n of m".
  const range = doc.bufferedPageRange();
  const footer = `${GOVERNORS_TITLE}, ${s.schoolLabel}, ${formatDate(s.from)} to ${formatDate(s.to)}. No names.`;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN.bottom + 20;
    doc.font('body').fontSize(8).fillColor(GREY);
    const pageText = `Page ${i - range.start + 1} of ${range.count}`;
    const pageWidth = doc.widthOfString(pageText);
    doc.text(footer, left, y, { width: width() - pageWidth - 20, lineBreak: false, ellipsis: true });
    doc.text(pageText, right() - pageWidth, y, { width: pageWidth + 1, lineBreak: false });
    doc.page.margins.bottom = MARGIN.bottom;
  }
  doc.end();
  return bytes;
}
