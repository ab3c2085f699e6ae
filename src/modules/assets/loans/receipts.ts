import { formatDateTime } from '../../../ui/format.ts';
import { createPdf, PDF_STYLE, type PdfFact, pdfBlocks } from '../../../ui/pdf.ts';
import { ASSET_STATUSES, CONDITIONS } from '../schema.ts';
import type { ReturnSnapshot, SignedSnapshot, SignMethod } from './service.ts';

/*
 * The loan receipt and the return receipt: what the person signed for (or handed back), for
 * both sides to keep. Built from the snapshot stored with the signature, never from the live
 * rows, and dated by it, so the same record always gives the same bytes.
 */
const MARGIN = { top: 57, bottom: 70, left: 57, right: 57 };
const { INK, GREY, RED } = PDF_STYLE;
type Fact = PdfFact;

const METHOD_LABELS: Record<SignMethod, string> = {
  email_link: 'Online, signed in with their own account',
  in_person: 'In person at the IT desk',
};

type Doc = ReturnType<typeof createPdf>['doc'];

function writer(doc: Doc) {
  const blocks = pdfBlocks(doc, MARGIN);
  const { left, width } = blocks;
  return {
    ...blocks,
    title(org: string, heading: string, lead: string) {
      doc.font('body').fontSize(10).fillColor(GREY).text(org, left, doc.y, { width: width() });
      doc.moveDown(0.3);
      doc.font('bold').fontSize(20).fillColor(INK).text(heading, left, doc.y, { width: width() });
      doc.moveDown(0.2);
      doc.font('body').fontSize(11.5).fillColor(INK).text(lead, left, doc.y, { width: width() });
      doc.moveDown(0.6);
      doc
        .moveTo(left, doc.y)
        .lineTo(left + width(), doc.y)
        .lineWidth(1)
        .strokeColor(INK)
        .stroke();
    },
    paragraph(text: string, colour: string = INK) {
      blocks.lines(
        text.split(/\r?\n/).filter((l) => l.trim()),
        colour,
      );
    },
    footer(text: string) {
      const range = doc.bufferedPageRange();
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
        doc.text(text, left, y, { width: width() - pageWidth - 20, lineBreak: false, ellipsis: true });
        doc.text(pageText, left + width() - pageWidth, y, { width: pageWidth + 1, lineBreak: false });
        doc.page.margins.bottom = MARGIN.bottom;
      }
    },
  };
}

const device = (i: { tag: string; make: string | null; model: string | null }) =>
  `${i.tag}${i.make || i.model ? ` (${[i.make, i.model].filter(Boolean).join(' ')})` : ''}`;

/** The loan receipt: the devices and accessories signed for, the agreement's text, and the signature. */
export function loanReceiptPdf(p: { trustName: string; signed: SignedSnapshot; signedSha256: string }): Promise<Uint8Array> {
  const { signed } = p;
  const at = new Date(signed.signature.signedAt);
  const { doc, bytes } = createPdf(
    {
      Title: `Device loan receipt ${signed.loan.reference}: ${signed.person.name}`,
      Author: p.trustName,
      Subject: `Loan ${signed.loan.reference}, signed record SHA-256 ${p.signedSha256}`,
      CreationDate: at,
      ModDate: at,
    },
    MARGIN,
  );
  const w = writer(doc);
  w.title(
    signed.loan.organisation,
    'Device loan receipt',
    `${signed.person.name} signed for ${signed.items.length === 1 ? 'this device' : `these ${signed.items.length} devices`} on loan ${signed.loan.reference}.`,
  );

  w.heading('Lent to');
  w.facts([
    ['Name', signed.person.name],
    ['Email address', signed.person.email],
    ['Lent', formatDateTime(signed.loan.issuedAt)],
    ['Off-site use', `${signed.loan.offSite ? 'Allowed' : 'On site only'}${signed.loan.offSiteNote ? `: ${signed.loan.offSiteNote}` : ''}`],
  ]);

  w.heading('The devices');
  for (const i of signed.items)
    w.facts([
      ['Device', device(i)],
      ['Serial number', i.serial, 'mono'],
      ['Accessories', i.accessories.length ? i.accessories.join(', ') : 'None'],
    ]);

  w.heading(`The loan agreement, version ${signed.agreement.label}`);
  w.paragraph(signed.agreement.text);
  w.facts([['Agreement fingerprint (SHA-256)', signed.agreement.sha256, 'mono']]);

  w.heading('The declaration');
  w.paragraph(signed.declaration);

  w.heading('The signature');
  const how: Fact[] = [
    ['Name typed', signed.signature.typedName],
    ['Signed (UK time)', formatDateTime(signed.signature.signedAt)],
    ['Signed (UTC)', signed.signature.signedAt],
    ['How', METHOD_LABELS[signed.signature.method]],
  ];
  if (signed.signature.witnessedBy) how.push(['Witnessed by', signed.signature.witnessedBy.name]);
  how.push(
    ['IP address', signed.signature.ip ?? ''],
    ['Browser (user agent)', signed.signature.userAgent ?? ''],
    ['Record fingerprint (SHA-256)', p.signedSha256, 'mono'],
  );
  w.facts(how);

  w.footer(`Device loan receipt · ${signed.loan.reference} · ${signed.person.name}`);
  doc.end();
  return bytes;
}

/** The return receipt: for each device, how it came back and which accessories are missing, and the person's confirmation. */
export function returnReceiptPdf(p: { trustName: string; returned: ReturnSnapshot; returnSha256: string }): Promise<Uint8Array> {
  const { returned: r } = p;
  const at = new Date(r.confirmation.confirmedAt);
  const { doc, bytes } = createPdf(
    {
      Title: `Device return receipt ${r.loan.reference}: ${r.person.name}`,
      Author: p.trustName,
      Subject: `Return of loan ${r.loan.reference}, record SHA-256 ${p.returnSha256}`,
      CreationDate: at,
      ModDate: at,
    },
    MARGIN,
  );
  const w = writer(doc);
  const missing = r.items.flatMap((i) => i.accessoriesMissing.map((a) => `${i.tag}: ${a}`));
  w.title(
    r.loan.organisation,
    'Device return receipt',
    `${r.person.name} handed back the devices of loan ${r.loan.reference}${missing.length ? `, with ${missing.length === 1 ? 'one accessory' : `${missing.length} accessories`} missing` : ', with everything issued'}.`,
  );

  w.heading('Returned by');
  w.facts([
    ['Name', r.person.name],
    ['Email address', r.person.email],
    ['Return requested', r.loan.returnRequestedAt ? formatDateTime(r.loan.returnRequestedAt) : 'Returned without a request'],
    ['Due back by', r.loan.returnDueAt ? formatDateTime(r.loan.returnDueAt) : ''],
    ['Received by', r.receivedBy?.name ?? 'IT services'],
  ]);

  w.heading('What came back');
  for (const i of r.items)
    w.facts([
      ['Device', device(i)],
      ['Serial number', i.serial, 'mono'],
      ['Condition', `${CONDITIONS[i.condition]} (now ${ASSET_STATUSES[i.assetStatusAfter].label.toLowerCase()})`],
      ['Accessories handed back', i.accessoriesReturned.length ? i.accessoriesReturned.join(', ') : 'None'],
      ['Accessories missing', i.accessoriesMissing.length ? i.accessoriesMissing.join(', ') : 'None'],
      ...(i.note ? ([['Note', i.note]] as Fact[]) : []),
    ]);

  if (missing.length) {
    w.heading('Missing');
    w.paragraph(missing.join('\n'), RED);
  }

  w.heading('The confirmation');
  w.paragraph(r.declaration);
  const how: Fact[] = [
    ['Name typed', r.confirmation.typedName],
    ['Confirmed (UK time)', formatDateTime(r.confirmation.confirmedAt)],
    ['Confirmed (UTC)', r.confirmation.confirmedAt],
    ['How', METHOD_LABELS[r.confirmation.method]],
  ];
  if (r.confirmation.witnessedBy) how.push(['Witnessed by', r.confirmation.witnessedBy.name]);
  how.push(
    ['IP address', r.confirmation.ip ?? ''],
    ['Browser (user agent)', r.confirmation.userAgent ?? ''],
    ['Loan record fingerprint', r.loan.signedSha256 ?? '', 'mono'],
    ['Return record fingerprint', p.returnSha256, 'mono'],
  );
  w.facts(how);

  w.footer(`Device return receipt · ${r.loan.reference} · ${r.person.name}`);
  doc.end();
  return bytes;
}
