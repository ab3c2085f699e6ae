import { createPdf, PDF_STYLE, type PdfFact, pdfBlocks } from '../../../ui/pdf.ts';
import { textBlocks } from '../../policies/reading/blocks.ts';
import { authMethodLabel, signedAtLondon, signedAtUtc } from './labels.ts';
import type { CertificateInput } from './service.ts';

/*
 * The signing certificate: one A4 page (two for a long agreement) that states everything the
 * record proves, and the public address where anyone can check that the record still matches.
 * Built like every PDF here (src/ui/pdf.ts): pdfkit, DejaVu Sans embedded, so names with accents
 * and Welsh ŵ and ŷ print as typed.
 */
const MARGIN = { top: 57, bottom: 70, left: 57, right: 57 };
const { INK, GREY, RED, LINK, BODY_SIZE, LINE_GAP } = PDF_STYLE;
type Fact = PdfFact;

/**
 * Builds the certificate of one record. Pure: the same record gives the same bytes (the document's
 * dates are the record's own), so a certificate downloaded twice is the same file.
 */
export function certificatePdf({ ack, check, trustName, verifyUrl }: CertificateInput): Promise<Uint8Array> {
  const { doc, bytes: done } = createPdf(
    {
      Title: `Signature certificate: ${ack.personName}, ${ack.policyTitle} ${ack.versionLabel}`,
      Author: trustName,
      Subject: `Signature record ${ack.seq} (${ack.id}), chain hash ${ack.hash}`,
      CreationDate: new Date(ack.createdAt),
      ModDate: new Date(ack.createdAt),
    },
    MARGIN,
  );

  const { left, width, ensureSpace, heading, facts } = pdfBlocks(doc, MARGIN);

  const paragraph = (text: string) => {
    doc.font('body').fontSize(BODY_SIZE).fillColor(INK);
    for (const block of textBlocks(text)) {
      const lines = block.type === 'list' ? block.items.map((i) => `• ${i}`) : [block.text];
      for (const line of lines) {
        ensureSpace(doc.heightOfString(line, { width: width(), lineGap: LINE_GAP }));
        doc.text(line, left, doc.y, { width: width(), lineGap: LINE_GAP });
        doc.moveDown(0.3);
      }
    }
  };

  // Title block: whose certificate, of what.
  doc.font('body').fontSize(10).fillColor(GREY).text(trustName, left, doc.y, { width: width() });
  doc.moveDown(0.3);
  doc.font('bold').fontSize(20).fillColor(INK).text('Signature certificate', left, doc.y, { width: width() });
  doc.moveDown(0.2);
  doc
    .font('body')
    .fontSize(11.5)
    .fillColor(INK)
    .text(`${ack.personName} signed ${ack.policyTitle}, version ${ack.versionLabel}.`, left, doc.y, { width: width() });
  doc.moveDown(0.5);
  // Where to check it, up front: the public page confirms the record exists and still matches.
  doc
    .font('body')
    .fontSize(9.5)
    .fillColor(GREY)
    .text('Anyone can check that this record exists and has not been changed since it was written, without signing in, at:', left, doc.y, {
      width: width(),
    });
  doc.moveDown(0.15);
  doc.font('mono').fontSize(9).fillColor(LINK).text(verifyUrl, left, doc.y, { width: width(), link: verifyUrl, underline: true });
  doc.moveDown(0.6);
  if (!check.intact) {
    doc
      .font('bold')
      .fontSize(BODY_SIZE)
      .fillColor(RED)
      .text(`Warning: this record no longer matches the evidence chain. ${check.reason ?? ''}`, left, doc.y, { width: width() });
    doc.moveDown(0.4);
  }
  doc
    .moveTo(left, doc.y)
    .lineTo(left + width(), doc.y)
    .lineWidth(1)
    .strokeColor(INK)
    .stroke();

  heading('Who signed');
  facts([
    ['Name', ack.personName],
    ['Typed name', ack.typedName],
    ['Position', ack.position],
    [ack.schoolNames.includes(',') ? 'Schools' : 'School', ack.schoolNames],
    ['Email address', ack.personEmail],
  ]);

  heading('What they signed');
  facts([
    ['Policy', ack.policyTitle],
    ['Version', ack.versionLabel],
    ['Content fingerprint (SHA-256)', ack.contentSha256, 'mono'],
  ]);

  heading('The declaration');
  paragraph(ack.declarationText);
  if (ack.statements.length > 0) {
    doc.moveDown(0.2);
    doc.font('bold').fontSize(BODY_SIZE).fillColor(INK).text('The statements they agreed to', left, doc.y, { width: width() });
    doc.moveDown(0.3);
    for (const statement of ack.statements) {
      doc.font('body').fontSize(BODY_SIZE);
      ensureSpace(doc.heightOfString(statement, { width: width() - 14, lineGap: LINE_GAP }));
      const y = doc.y;
      doc.fillColor(INK).text('•', left, y, { width: 14, lineBreak: false });
      doc.text(statement, left + 14, y, { width: width() - 14, lineGap: LINE_GAP });
      doc.moveDown(0.2);
    }
  }

  heading('When and how');
  const how: Fact[] = [
    ['Signed (UK time, Europe/London)', signedAtLondon(ack)],
    ['Signed (UTC)', signedAtUtc(ack)],
    ['How they signed in', authMethodLabel(ack)],
    ['IP address', ack.ip ?? ''],
    ['Browser (user agent)', ack.userAgent ?? ''],
  ];
  if (ack.recordedByName || ack.recordedById) how.push(['Recorded on their behalf by', ack.recordedByName ?? 'A member of staff']);
  if (ack.proxyNote) how.push(['Why it was recorded for them', ack.proxyNote]);
  if (ack.scanSha256) how.push(['Scan of the form (SHA-256)', ack.scanSha256, 'mono']);
  if (ack.imported) how.push(['Imported', 'Yes: imported from an earlier record of a signature']);
  facts(how);

  heading('The record');
  facts([
    ['Record number', String(ack.seq)],
    ['Record id', ack.id, 'mono'],
    ['Previous record’s hash', ack.prevHash, 'mono'],
    ['Chain hash', ack.hash, 'mono'],
  ]);

  // Footer on every page: which record, and "Page n of m".
  const range = doc.bufferedPageRange();
  const footer = `Signature certificate · ${ack.personName} · ${ack.policyTitle} ${ack.versionLabel} · record ${ack.seq}`;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN.bottom + 24;
    doc
      .moveTo(left, y - 8)
      .lineTo(left + width(), y - 8)
      .lineWidth(0.5)
      .strokeColor(GREY)
      .stroke();
    doc.font('body').fontSize(8.5).fillColor(GREY);
    const pageText = `Page ${i - range.start + 1} of ${range.count}`;
    const pageWidth = doc.widthOfString(pageText);
    doc.text(footer, left, y, { width: width() - pageWidth - 20, lineBreak: false, ellipsis: true });
    doc.text(pageText, left + width() - pageWidth, y, { width: pageWidth + 1, lineBreak: false });
    doc.page.margins.bottom = MARGIN.bottom;
  }
  doc.end();
  return done;
}
