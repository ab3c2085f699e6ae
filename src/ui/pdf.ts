import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';

/*
 * Every PDF Countersign makes (a policy version, a signing certificate, the compliance report) is
 * A4, built with pdfkit (it wraps and breaks text across pages itself), in DejaVu Sans embedded and
 * subset from the `dejavu-fonts-ttf` npm package. Policies are full of ’ “ ” – — £ and • and name
 * people with accents; Welsh schools write ŵ and ŷ, which the PDF standard fonts (WinAnsi only)
 * cannot show, and transliterating a signed document's words would change them. The font ships
 * with the app's dependencies, so a fresh machine needs no system fonts.
 */
const fontDir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
export const PDF_FONTS = {
  body: path.join(fontDir, 'DejaVuSans.ttf'),
  bold: path.join(fontDir, 'DejaVuSans-Bold.ttf'),
  mono: path.join(fontDir, 'DejaVuSansMono.ttf'),
} as const;

export type PdfInfo = { Title: string; Author: string; Subject?: string; CreationDate?: Date; ModDate?: Date };

/**
 * A new A4 document with the fonts registered as 'body', 'bold' and 'mono', and a promise of its
 * bytes once `doc.end()` is called. Passing fixed dates in `info` makes the same input give the
 * same bytes.
 */
export function createPdf(info: PdfInfo, margins: { top: number; bottom: number; left: number; right: number }, layout: 'portrait' | 'landscape' = 'portrait') {
  for (const file of Object.values(PDF_FONTS)) if (!existsSync(file)) throw new Error(`PDF font missing: ${file} (is dejavu-fonts-ttf installed?)`);
  const doc = new PDFDocument({
    size: 'A4',
    layout,
    margins,
    bufferPages: true,
    font: PDF_FONTS.body,
    lang: 'en-GB',
    displayTitle: true,
    info: { Creator: 'Countersign', Producer: 'Countersign', ...info },
  });
  doc.registerFont('body', PDF_FONTS.body);
  doc.registerFont('bold', PDF_FONTS.bold);
  doc.registerFont('mono', PDF_FONTS.mono);
  const chunks: Buffer[] = [];
  const bytes = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
  });
  return { doc, bytes };
}

/** The colours and measures every Countersign PDF uses. */
export const PDF_STYLE = { INK: '#0b0c0c', GREY: '#505a5f', RED: '#d4351c', LINK: '#1d70b8', BODY_SIZE: 10, LINE_GAP: 2, KEY_WIDTH: 150 } as const;

/** A row of facts: the key, its value, and the value's font (fingerprints in mono). */
export type PdfFact = [key: string, value: string, font?: 'body' | 'mono'];

type PdfDoc = ReturnType<typeof createPdf>['doc'];

/**
 * The building blocks of the record PDFs (certificates, receipts): section headings, facts with
 * the key on the left and the value beside it (both wrap; the next row starts below the taller),
 * and plain lines, each starting a new page when it would not fit above the bottom margin.
 */
export function pdfBlocks(doc: PdfDoc, margin: { bottom: number; left: number; right: number }) {
  const { INK, GREY, BODY_SIZE, LINE_GAP, KEY_WIDTH } = PDF_STYLE;
  const left = margin.left;
  const width = () => doc.page.width - margin.right - left;
  const ensureSpace = (height: number) => {
    if (doc.y + height > doc.page.height - margin.bottom) doc.addPage();
  };
  return {
    left,
    width,
    ensureSpace,
    heading(text: string) {
      doc.font('bold').fontSize(12);
      ensureSpace(doc.heightOfString(text, { width: width() }) + 40);
      doc.moveDown(0.6);
      doc.fillColor(INK).text(text, left, doc.y, { width: width() });
      doc.moveDown(0.3);
    },
    facts(rows: PdfFact[]) {
      for (const [key, value, font] of rows) {
        const valueWidth = width() - KEY_WIDTH;
        doc.font(font ?? 'body').fontSize(font === 'mono' ? 8 : BODY_SIZE);
        ensureSpace(Math.max(14, doc.heightOfString(value || ' ', { width: valueWidth, lineGap: LINE_GAP })) + 4);
        const y = doc.y;
        doc
          .font('bold')
          .fontSize(9)
          .fillColor(GREY)
          .text(key, left, y + 1, { width: KEY_WIDTH - 10, lineGap: LINE_GAP });
        const afterKey = doc.y;
        doc
          .font(font ?? 'body')
          .fontSize(font === 'mono' ? 8 : BODY_SIZE)
          .fillColor(INK)
          .text(value || 'Not recorded', left + KEY_WIDTH, y, { width: valueWidth, lineGap: LINE_GAP });
        doc.y = Math.max(doc.y, afterKey);
        doc.moveDown(0.3);
      }
    },
    /** Lines of body text, each its own paragraph. */
    lines(lines: string[], colour: string = INK) {
      doc.font('body').fontSize(BODY_SIZE).fillColor(colour);
      for (const line of lines) {
        ensureSpace(doc.heightOfString(line, { width: width(), lineGap: LINE_GAP }));
        doc.text(line, left, doc.y, { width: width(), lineGap: LINE_GAP });
        doc.moveDown(0.3);
      }
    },
  };
}
