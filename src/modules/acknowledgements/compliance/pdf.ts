import { formatDate, formatDateTime } from '../../../ui/format.ts';
import { createPdf } from '../../../ui/pdf.ts';
import { daysBetween, reviewCountdown } from '../../policies/reviews/service.ts';
import { percentText } from './chart.tsx';
import type { ComplianceSummary, Counts, ListRow } from './service.ts';
import type { ListStatus } from './validation.ts';

/*
 * The compliance report as a PDF: A4 landscape (the list is wide), built with pdfkit in DejaVu Sans
 * (src/ui/pdf.ts) like every PDF here (names with accents and Welsh letters print as written): the headline
 * numbers, the table by school and the list (who has not signed, or who has), for the filters on
 * the page it was downloaded from.
 */

const MARGIN = { top: 40, bottom: 50, left: 40, right: 40 };
const INK = '#0b0c0c';
const GREY = '#505a5f';
const RULE = '#b1b4b6';
const SIZE = 8.5;

/** At most this many rows of the list go in the PDF; the CSV has them all. */
export const PDF_LIST_LIMIT = 1000;

export type CompliancePdfInput = {
  trustName: string;
  producedAt: Date;
  producedBy: string;
  today: string;
  filters: string[];
  status: ListStatus;
  summary: ComplianceSummary;
  rows: ListRow[];
  /** How many rows the list has in all (more than `rows` when it was cut short). */
  total: number;
};

/** "compliance-2026-11-23.pdf" */
export const pdfFilename = (today: string) => `compliance-${today}.pdf`;

type PdfColumn<T> = { header: string; width: number; numeric?: boolean; text: (row: T) => string };

const n = (value: number) => value.toLocaleString('en-GB');
const pct = (c: Counts) => (c.percentSigned === null ? '–' : percentText(c.percentSigned));

export function compliancePdf(input: CompliancePdfInput): Promise<Uint8Array> {
  const { doc, bytes: done } = createPdf(
    {
      Title: `Compliance report, ${input.trustName}, ${formatDate(input.today)}`,
      Author: input.trustName,
      Subject: input.filters.join('; '),
      CreationDate: input.producedAt,
    },
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

  /** A table that wraps its cells and repeats its header on each new page. */
  const table = <T>(columns: PdfColumn<T>[], rows: T[]) => {
    const total = columns.reduce((s, c) => s + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * width());
    const xs = widths.map((_, i) => left + widths.slice(0, i).reduce((s, w) => s + w, 0));
    const pad = 3;
    const rowHeight = (cells: string[], font: 'body' | 'bold') => {
      doc.font(font).fontSize(SIZE);
      return Math.max(...cells.map((c, i) => doc.heightOfString(c || ' ', { width: (widths[i] ?? 0) - 2 * pad }))) + 2 * pad;
    };
    const draw = (cells: string[], font: 'body' | 'bold') => {
      const h = rowHeight(cells, font);
      const y = doc.y;
      doc.font(font).fontSize(SIZE).fillColor(INK);
      cells.forEach((c, i) => {
        doc.text(c, (xs[i] ?? left) + pad, y + pad, { width: (widths[i] ?? 0) - 2 * pad, align: columns[i]?.numeric ? 'right' : 'left' });
      });
      doc
        .moveTo(left, y + h)
        .lineTo(right(), y + h)
        .lineWidth(font === 'bold' ? 1 : 0.5)
        .strokeColor(font === 'bold' ? INK : RULE)
        .stroke();
      doc.y = y + h;
    };
    const header = columns.map((c) => c.header);
    if (doc.y + rowHeight(header, 'bold') * 2 > bottom()) doc.addPage();
    draw(header, 'bold');
    for (const row of rows) {
      const cells = columns.map((c) => c.text(row));
      if (doc.y + rowHeight(cells, 'body') > bottom()) {
        doc.addPage();
        draw(header, 'bold');
      }
      draw(cells, 'body');
    }
    doc.x = left;
  };

  // Title block.
  doc.font('body').fontSize(10).fillColor(GREY).text(input.trustName, left, doc.y, { width: width() });
  doc.font('bold').fontSize(20).fillColor(INK).text('Compliance report', left, doc.y, { width: width() });
  doc.moveDown(0.3);
  doc
    .font('body')
    .fontSize(9.5)
    .fillColor(GREY)
    .text(`Produced on ${formatDateTime(input.producedAt)} by ${input.producedBy}. ${input.filters.join(' · ')}.`, left, doc.y, { width: width() });
  doc.text(
    'Counts the current agreements of people who have not left, on the versions in force. Someone with three policies to sign counts three times.',
    left,
    doc.y,
    { width: width() },
  );

  heading('Headline');
  const t = input.summary.totals;
  table<[string, string]>(
    [
      { header: '', width: 3, text: (r) => r[0] },
      { header: 'Number', width: 2, numeric: true, text: (r) => r[1] },
      { header: '', width: 10, text: () => '' },
    ],
    [
      ['Assigned', n(t.assigned)],
      ['Signed', n(t.signed)],
      ['Not signed yet', n(t.outstanding)],
      ['Overdue', n(t.overdue)],
      ['Signed (%)', pct(t)],
      ['People', n(t.people)],
    ],
  );

  heading('By school');
  table(
    [
      { header: 'School', width: 5, text: (r) => r.label },
      { header: 'People', width: 1.3, numeric: true, text: (r) => n(r.people) },
      { header: 'Assigned', width: 1.3, numeric: true, text: (r) => n(r.assigned) },
      { header: 'Signed', width: 1.3, numeric: true, text: (r) => n(r.signed) },
      { header: 'Not signed', width: 1.3, numeric: true, text: (r) => n(r.outstanding) },
      { header: 'Overdue', width: 1.3, numeric: true, text: (r) => n(r.overdue) },
      { header: '% signed', width: 1.3, numeric: true, text: (r) => pct(r) },
    ],
    input.summary.bySchool,
  );

  const signed = input.status === 'signed';
  heading(signed ? 'Who has signed' : input.status === 'overdue' ? 'Who is overdue' : 'Who has not signed');
  if (input.total > input.rows.length)
    doc
      .font('body')
      .fontSize(9.5)
      .fillColor(GREY)
      .text(`The first ${n(input.rows.length)} of ${n(input.total)} are listed here. The CSV download has all of them.`, left, doc.y, { width: width() })
      .moveDown(0.3);
  if (input.rows.length === 0)
    doc
      .font('body')
      .fontSize(10)
      .fillColor(INK)
      .text(signed ? 'Nobody here has signed yet.' : input.status === 'overdue' ? 'Nobody here is overdue.' : 'Everyone here has signed.', left, doc.y);
  else
    table<ListRow>(
      [
        { header: 'Name', width: 3, text: (r) => `${r.name}\n${r.email}` },
        { header: 'School', width: 2.4, text: (r) => r.schools.map((s) => s.name).join(', ') || 'Central team' },
        { header: 'Position', width: 2, text: (r) => r.position ?? '' },
        { header: 'Policy', width: 3, text: (r) => `${r.policyTitle} ${r.versionLabel}` },
        ...(signed
          ? [
              { header: 'Signed', width: 1.6, text: (r: ListRow) => formatDate(r.signedAt) },
              { header: 'Record', width: 2.6, text: (r: ListRow) => r.acknowledgementId ?? '' },
            ]
          : [
              { header: 'Due', width: 1.6, text: (r: ListRow) => formatDate(r.dueOn) },
              {
                header: 'Status',
                width: 1.6,
                text: (r: ListRow) => (daysBetween(input.today, r.dueOn) < 0 ? reviewCountdown(r.dueOn, input.today) : 'Not yet due'),
              },
            ]),
        { header: 'Line manager', width: 2, text: (r) => r.managerName ?? '' },
      ],
      input.rows,
    );

  // Every page's footer: what this is, when, and "Page n of m".
  const range = doc.bufferedPageRange();
  const footer = `Compliance report, ${input.trustName}, ${formatDate(input.today)}`;
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
  return done;
}
