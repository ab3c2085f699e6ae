import { formatDate } from '../../../ui/format.ts';
import { createPdf } from '../../../ui/pdf.ts';
import type { Clause, PolicyContent } from '../content.ts';
import type { PolicyRow, VersionRow } from '../service.ts';
import { clauseTitle, textBlocks } from './blocks.ts';

/*
 * The printable copy of one version: A4, pdfkit, DejaVu Sans embedded (src/ui/pdf.ts says why).
 */
export type PolicyPdfInput = {
  trustName: string;
  /** The school, when the policy is one school's rather than the whole trust's. */
  schoolName: string | null;
  policy: Pick<PolicyRow, 'title' | 'slug'>;
  version: Pick<
    VersionRow,
    'label' | 'status' | 'contentSha256' | 'effectiveFrom' | 'approvedAt' | 'approvalBody' | 'approvalMinutesRef' | 'publishedAt' | 'createdAt' | 'updatedAt'
  >;
  content: PolicyContent;
};

export const STATUS_ON_PAPER: Record<string, string> = {
  draft: 'Draft: not approved and not in force',
  approved: 'Approved, not yet in force',
  published: 'In force',
  superseded: 'Superseded: no longer in force',
};

/** "staff-ict-aup-V2.1.pdf": the policy's short name and the version label, safe in a header. */
export function pdfFilename(policy: Pick<PolicyRow, 'slug'>, version: Pick<VersionRow, 'label'>): string {
  const label = version.label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return `${policy.slug}${label ? `-${label}` : ''}.pdf`;
}

// A4 in points, with margins of about 20 mm (the footer sits in the bottom margin).
const MARGIN = { top: 57, bottom: 70, left: 57, right: 57 };
const INK = '#0b0c0c';
const GREY = '#505a5f';
const BODY_SIZE = 10.5;
const LINE_GAP = 2.5;
const HEADING_SIZE: Record<number, number> = { 2: 14, 3: 12, 4: 11 };
/** Deeper clauses stop indenting here, so a deeply nested clause keeps a readable width. */
const MAX_INDENT = 150;

/**
 * Builds the PDF of one version. Pure: the same input gives the same document (its dates are the
 * version's own, never "now"), and it shows nothing that is not in the version and its policy.
 */
export function policyPdf({ trustName, schoolName, policy, version, content }: PolicyPdfInput): Promise<Uint8Array> {
  const stamp = version.publishedAt ?? version.approvedAt ?? version.updatedAt ?? version.createdAt;
  const { doc, bytes: done } = createPdf(
    {
      Title: `${policy.title} ${version.label}`,
      Author: schoolName ? `${schoolName}, ${trustName}` : trustName,
      Subject: `${policy.title}, version ${version.label}. Content fingerprint (SHA-256) ${version.contentSha256}`,
      CreationDate: stamp ? new Date(stamp) : undefined,
      ModDate: stamp ? new Date(stamp) : undefined,
    },
    MARGIN,
  );

  const left = MARGIN.left;
  const right = () => doc.page.width - MARGIN.right;
  const bottom = () => doc.page.height - MARGIN.bottom;
  const body = () => doc.font('body').fontSize(BODY_SIZE).fillColor(INK);

  /** Starts a new page unless `height` points are left on this one. */
  const ensureSpace = (height: number) => {
    if (doc.y + height > bottom()) doc.addPage();
  };
  const lineHeight = () => doc.currentLineHeight(true) + LINE_GAP;

  const paragraph = (text: string, x: number) => {
    body();
    ensureSpace(lineHeight() * 2);
    doc.text(text, x, doc.y, { width: right() - x, lineGap: LINE_GAP });
    doc.moveDown(0.5);
  };

  /** A hanging marker (a bullet or a clause number) with the text wrapped beside it. */
  const hanging = (marker: string, text: string, x: number, markerWidth: number, markerFont: 'body' | 'bold' = 'body', after = 0.35) => {
    body();
    ensureSpace(lineHeight() * 2);
    const y = doc.y;
    doc.font(markerFont).text(marker, x, y, { width: markerWidth, lineBreak: false });
    body();
    doc.text(text || ' ', x + markerWidth, y, { width: right() - x - markerWidth, lineGap: LINE_GAP });
    doc.moveDown(after);
  };

  const bullets = (items: string[], x: number) => {
    for (const item of items) hanging('•', item, x, 14, 'body', 0.15);
    doc.moveDown(0.35);
  };

  const blocks = (text: string, x: number) => {
    for (const block of textBlocks(text)) {
      if (block.type === 'list') bullets(block.items, x);
      else paragraph(block.text, x);
    }
  };

  /** A heading kept with at least three lines of what follows it. */
  const heading = (text: string, level: number, x = left) => {
    const size = HEADING_SIZE[level] ?? 10.5;
    doc.font('bold').fontSize(size);
    const height = doc.heightOfString(text, { width: right() - x });
    ensureSpace(height + 3 * 16);
    doc.moveDown(level === 2 ? 0.6 : 0.3);
    doc.fillColor(INK).text(text, x, doc.y, { width: right() - x });
    doc.moveDown(0.35);
    body();
  };

  const clause = (c: Clause, x: number, level: number) => {
    const indent = (n: number) => Math.min(n, left + MAX_INDENT);
    if (c.heading) {
      heading(clauseTitle(c), level, x);
      if (c.text) blocks(c.text, x);
      for (const child of c.children) clause(child, x, level + 1);
      return;
    }
    if (c.number) {
      doc.font('bold').fontSize(BODY_SIZE);
      const width = Math.max(30, doc.widthOfString(c.number) + 9);
      const parts = textBlocks(c.text);
      const [first, ...rest] = parts;
      if (first?.type === 'paragraph') hanging(c.number, first.text, x, width, 'bold');
      else hanging(c.number, '', x, width, 'bold');
      const inner = indent(x + width);
      for (const block of first?.type === 'paragraph' ? rest : parts) {
        if (block.type === 'list') bullets(block.items, inner);
        else paragraph(block.text, inner);
      }
      for (const child of c.children) clause(child, inner, level);
      return;
    }
    if (c.text) blocks(c.text, x);
    for (const child of c.children) clause(child, indent(x + 14), level);
  };

  // The title block: who it belongs to, what it is, and exactly which text this is.
  doc
    .font('body')
    .fontSize(10)
    .fillColor(GREY)
    .text(schoolName ? `${schoolName} · ${trustName}` : trustName, left, doc.y, { width: right() - left });
  doc.moveDown(0.3);
  doc
    .font('bold')
    .fontSize(20)
    .fillColor(INK)
    .text(policy.title, left, doc.y, { width: right() - left });
  doc.moveDown(0.6);

  const approval = version.approvedAt
    ? `${formatDate(version.approvedAt)}${version.approvalBody ? ` by ${version.approvalBody}` : ''}${version.approvalMinutesRef ? ` (minutes ${version.approvalMinutesRef})` : ''}`
    : 'Not yet approved';
  const facts: [string, string, ('body' | 'mono')?][] = [
    ['Version', version.label],
    ['Status', STATUS_ON_PAPER[version.status] ?? version.status],
    ['In force from', version.effectiveFrom ? formatDate(version.effectiveFrom) : 'Not yet in force'],
    ['Approved', approval],
    ['Content fingerprint (SHA-256)', version.contentSha256, 'mono'],
  ];
  const keyWidth = 140;
  for (const [key, value, font] of facts) {
    const y = doc.y;
    doc
      .font('bold')
      .fontSize(9.5)
      .fillColor(GREY)
      .text(key, left, y, { width: keyWidth - 8 });
    const afterKey = doc.y;
    doc
      .font(font ?? 'body')
      .fontSize(font === 'mono' ? 8.5 : 9.5)
      .fillColor(INK)
      .text(value, left + keyWidth, y, { width: right() - left - keyWidth });
    doc.y = Math.max(doc.y, afterKey);
    doc.moveDown(0.25);
  }
  doc.moveDown(0.4);
  doc.moveTo(left, doc.y).lineTo(right(), doc.y).lineWidth(1).strokeColor(INK).stroke();
  doc.moveDown(0.8);

  if (content.keyPoints.length > 0) {
    heading('Key points', 2);
    bullets(content.keyPoints, left);
  }
  for (const section of content.sections) clause(section, left, 2);
  if (content.agreementStatements.length > 0) {
    heading('The agreement', 2);
    bullets(content.agreementStatements, left);
  }

  // The declaration, with a line to write on for each field: kept on one page where it fits.
  const { wording, fields } = content.declaration;
  if (wording || fields.length > 0) {
    const rowHeight = (field: string) => (/signature/i.test(field) ? 44 : 32);
    doc.font('body').fontSize(BODY_SIZE);
    const needed =
      60 + (wording ? doc.heightOfString(wording, { width: right() - left, lineGap: LINE_GAP }) : 0) + fields.reduce((sum, f) => sum + rowHeight(f), 0);
    if (needed < bottom() - MARGIN.top) ensureSpace(needed);
    heading('Declaration', 2);
    if (wording) paragraph(wording, left);
    doc.font('bold').fontSize(BODY_SIZE);
    const labelWidth = Math.min(160, Math.max(70, ...fields.map((f) => doc.widthOfString(f) + 14)));
    for (const field of fields) {
      const height = rowHeight(field);
      ensureSpace(height);
      const baseline = doc.y + height - 6;
      doc
        .font('bold')
        .fontSize(BODY_SIZE)
        .fillColor(INK)
        .text(field, left, baseline - BODY_SIZE - 2, { width: labelWidth - 8, lineBreak: false });
      doc
        .moveTo(left + labelWidth, baseline)
        .lineTo(right(), baseline)
        .lineWidth(0.75)
        .strokeColor(INK)
        .stroke();
      doc.y = baseline + 6;
    }
  }

  // Every page's footer: which document and version, and "Page n of m".
  const range = doc.bufferedPageRange();
  const footer = `${policy.title} ${version.label}${version.status === 'published' ? '' : ` (${(STATUS_ON_PAPER[version.status] ?? version.status).split(':')[0]})`}`;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin must not start a new page.
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN.bottom + 24;
    doc
      .moveTo(left, y - 8)
      .lineTo(right(), y - 8)
      .lineWidth(0.5)
      .strokeColor(GREY)
      .stroke();
    doc.font('body').fontSize(8.5).fillColor(GREY);
    const pageText = `Page ${i - range.start + 1} of ${range.count}`;
    const pageWidth = doc.widthOfString(pageText);
    doc.text(footer, left, y, { width: right() - left - pageWidth - 20, lineBreak: false, ellipsis: true });
    doc.text(pageText, right() - pageWidth, y, { width: pageWidth + 1, lineBreak: false });
    doc.page.margins.bottom = MARGIN.bottom;
  }
  doc.end();
  return done;
}
