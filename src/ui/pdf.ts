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
