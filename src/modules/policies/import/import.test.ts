import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import JSZip from 'jszip';
import { PDFDocument, PDFHexString, rgb, StandardFonts } from 'pdf-lib';
import { buildDocx, docxFromSeed, pdfFromSeed } from '../../../../test/fixtures/policies/build-documents.ts';
import { EXPECTED, type ExpectedPolicy, SEEDS_DIR } from '../../../../test/fixtures/policies/expected.ts';
import { compareToExpected, measureAccuracy } from './accuracy.ts';
import {
  extractText,
  importPolicyFile,
  MAX_POLICY_BYTES,
  PolicyImportError,
  type PolicyImportErrorCode,
  type PolicyProposal,
  type ProposedSection,
  proposalSchema,
  proposePolicy,
} from './index.ts';

const seedText = (file: string) => readFileSync(path.join(SEEDS_DIR, file), 'utf8');
const seedFile = (file: string) => ({ name: file, bytes: new Uint8Array(readFileSync(path.join(SEEDS_DIR, file))) });
const seed = (prefix: string) => EXPECTED.find((e) => e.file.startsWith(prefix)) as ExpectedPolicy;
const importSeed = (prefix: string) => importPolicyFile(seedFile(seed(prefix).file));
const text = (name: string, content: string) => ({ name, bytes: new TextEncoder().encode(content) });

function section(sections: ProposedSection[], ...numbersOrHeadings: string[]): ProposedSection {
  let found: ProposedSection | undefined;
  let level = sections;
  for (const key of numbersOrHeadings) {
    found = level.find((s) => s.number === key || s.heading === key);
    assert.ok(found, `no section "${key}" among ${level.map((s) => s.number ?? s.heading).join(', ')}`);
    level = found.children;
  }
  return found as ProposedSection;
}

function assertMatchesFixture(proposal: PolicyProposal, expected: ExpectedPolicy) {
  const wrong = compareToExpected(proposal, expected).filter((r) => !r.ok);
  assert.deepEqual(
    wrong.map((w) => `${w.field}: expected ${JSON.stringify(w.expected)}, got ${JSON.stringify(w.actual)}`),
    [],
  );
}

describe('policy importer: the seed AUPs as text', () => {
  for (const expected of EXPECTED) {
    test(`${expected.file} gives what a careful reader would enter, and warns about what is uncertain`, async () => {
      const proposal = await importPolicyFile(seedFile(expected.file));
      assert.ok(proposalSchema.safeParse(proposal).success);
      assertMatchesFixture(proposal, expected);
      for (const fragment of expected.mustWarn)
        assert.ok(
          proposal.warnings.some((w) => w.includes(fragment)),
          `no warning containing ${JSON.stringify(fragment)} in ${JSON.stringify(proposal.warnings, null, 2)}`,
        );
    });
  }

  test('the accuracy over every fixture field stays at its floor: all 90 fields right', async () => {
    const { correct, total, wrong } = await measureAccuracy();
    assert.equal(total, 90);
    assert.equal(correct, total, `wrong: ${JSON.stringify(wrong, null, 2)}`);
  });

  test('deep numbering nests by the numbers, and a contents page is not mistaken for sections', async () => {
    const { sections } = await importSeed('003');
    assert.equal(section(sections, '1', '1.1', '1.1.2', '1.1.2.1').heading, 'Exceptions');
    assert.equal(section(sections, '5', '5.2', '5.2.2', '5.2.2.1').heading, 'Exceptions');
    const clause = section(sections, '8', '8.1', '8.1.1');
    assert.equal(clause.heading, null, 'a bare number heads a clause with no heading of its own');
    assert.match(clause.text, /^Staff must not establish or seek to establish social contact/);
    assert.equal(section(sections, '1', 'Definition').number, null, 'an unnumbered heading sits under the section it follows');
    assert.match(
      section(sections, '4').text,
      /Personal data will be:\n\n- Obtained and processed fairly and lawfully/,
      'a lead-in ending in a colon is text, not a heading',
    );
    const headings = JSON.stringify(sections);
    assert.doesNotMatch(headings, /Table of Contents/);
  });

  test('"2.1.1"-style clauses, including those written as list items, nest under their parents', async () => {
    const { sections } = await importSeed('004');
    const expectations = section(sections, '2', '2.1');
    assert.equal(expectations.heading, null);
    assert.equal(expectations.text, 'All staff are expected to:');
    assert.deepEqual(
      expectations.children.map((c) => c.number),
      Array.from({ length: 14 }, (_, i) => `2.1.${i + 1}`),
    );
    assert.match(section(sections, '2', '2.1', '2.1.8').text, /^Protect their password/);
    assert.deepEqual(section(sections, '2', '2.1', '2.1.8').topics, ['passwords']);
    assert.equal(section(sections, '4', '4.1').heading, 'Addresses', '"4. 1. Addresses" is numbered 4.1');
    assert.ok(section(sections, '5', '5.4'), 'the "- 5.4" list item closes 5.3 and sits under 5');
    assert.match(section(sections, '4', '4.1', '4.1.2').text, /recipient:\n\n- i\. All user groups should be bcc/);
  });

  test('unnumbered headings in a numbered document sit under the numbered section they follow', async () => {
    const { sections } = await importSeed('002');
    assert.deepEqual(
      section(sections, '5', '5.1').children.map((c) => [c.number, c.heading]),
      [
        [null, 'Email'],
        [null, 'Phones'],
      ],
    );
    assert.match(section(sections, '1').text, /^- "Trust", "we" and "our" means the Vale Academy Trust/);
    assert.deepEqual(section(sections, '7', '7.1').topics, ['passwords', 'sanctions']);
  });

  test('appendices are top-level sections, and text broken across lines is joined again', async () => {
    const proposal = await importSeed('000');
    const appendix = section(proposal.sections, 'Appendix 3');
    assert.equal(appendix.heading, 'Staff Acceptable Use of ICT Policy Agreement');
    assert.deepEqual(
      appendix.children.map((c) => c.heading),
      ['Acceptable Use / Bring Your Own Device Considerations - Staff', 'Non Compliance Protocol'],
    );
    assert.match(section(proposal.sections, '6.0').text, /in the case of legal action\. Staff should, therefore/);
    assert.match(section(proposal.sections, 'Appendix 1', 'Sending emails').text, /^- Email should be used to ask specific questions/);
    assert.ok(proposal.agreementStatements.includes('I will not disable or cause any damage to school equipment, or the equipment belonging to others.'));
    const union = new Set(
      JSON.stringify(proposal.sections)
        .match(/"topics":\[[^\]]*\]/g)
        ?.flatMap((t) => JSON.parse(t.slice(9)) as string[]),
    );
    assert.deepEqual(new Set(proposal.topics), union, 'the top-level topics are the union of the sections’ topics');
  });

  test('an agreement without numbering keeps each "I will …" line whole', async () => {
    const proposal = await importSeed('001');
    assert.ok(
      proposal.agreementStatements.some((s) =>
        s.endsWith('background. I will not publish any such photographs unless I have permission to do so for all subjects.'),
      ),
    );
    assert.equal(proposal.agreementStatements.at(-1)?.startsWith('I have read and understand the above'), true);
    assert.ok(proposal.agreementStatements.every((s) => !s.includes('\n')));
  });

  test('key policy points come from their own section', async () => {
    const proposal = await importSeed('003');
    assert.equal(proposal.keyPoints[0], 'Do not install or move computer hardware');
    assert.equal(proposal.keyPoints.at(-1), "Any breach of this policy will be dealt with using the Trust's disciplinary policy");
  });

  test('proposing is pure: the same document gives the same proposal and is left unchanged', async () => {
    const doc = await extractText(seedFile(seed('004').file));
    const before = JSON.stringify(doc);
    assert.deepEqual(proposePolicy(doc), proposePolicy(doc));
    assert.equal(JSON.stringify(doc), before);
  });
});

describe('policy importer: Word, PDF and Markdown uploads', () => {
  for (const expected of EXPECTED) {
    test(`${expected.file} as a Word document gives the same key results`, async () => {
      const bytes = await docxFromSeed(seedText(expected.file));
      assertMatchesFixture(await importPolicyFile({ name: 'policy.docx', bytes }), expected);
    });
    test(`${expected.file} as a PDF gives the same key results`, async () => {
      const bytes = await pdfFromSeed(seedText(expected.file));
      assertMatchesFixture(await importPolicyFile({ name: 'policy.pdf', bytes }), expected);
    });
  }

  test('Markdown headings nest by level when nothing is numbered', async () => {
    const md = [
      '# Acceptable Use Policy',
      '',
      'Last reviewed: 1st September 2024',
      '',
      '## Purpose',
      '',
      'This policy sets out',
      'how staff use school ICT.',
      '',
      '## Rules',
      '',
      '### Passwords',
      '',
      '- Use three random words.',
      '- Never share your password.',
      '',
      '| Name | Signature | Date |',
      '|---|---|---|',
    ].join('\n');
    const proposal = await importPolicyFile(text('aup.md', md));
    assert.equal(proposal.title, 'Acceptable Use Policy');
    assert.equal(proposal.dates.lastReviewed, '2024-09-01');
    assert.deepEqual(
      proposal.sections.map((s) => [s.heading, s.children.map((c) => c.heading)]),
      [
        ['Purpose', []],
        ['Rules', ['Passwords']],
      ],
    );
    assert.equal(section(proposal.sections, 'Purpose').text, 'This policy sets out how staff use school ICT.');
    assert.equal(section(proposal.sections, 'Rules', 'Passwords').text, '- Use three random words.\n- Never share your password.\n\nName | Signature | Date');
    assert.deepEqual(proposal.declarationFields, ['Name', 'Signature', 'Date']);
  });

  test('pictures are left out with a warning, links keep their words, and nothing outside the file is opened', async () => {
    const png = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
    const picture = (rel: string) =>
      `<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><wp:extent cx="9525" cy="9525"/><wp:docPr id="1" name="Logo" descr="School logo"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:blipFill><a:blip ${rel}/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`;
    const body = [
      picture('r:embed="rId10"'),
      picture('r:link="rId11"'),
      '<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>Staff Acceptable Use Policy</w:t></w:r></w:p>',
      '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>1. Introduction</w:t></w:r></w:p>',
      '<w:p><w:r><w:t xml:space="preserve">Report phishing to </w:t></w:r><w:hyperlink r:id="rId12"><w:r><w:t>the NCSC</w:t></w:r></w:hyperlink><w:r><w:t>.</w:t></w:r></w:p>',
      '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>2. Passwords</w:t></w:r></w:p>',
      '<w:p><w:r><w:t>Use a passcode of at least six characters.</w:t></w:r></w:p>',
    ].join('');
    const rels = [
      '<Relationship Id="rId10" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/>',
      '<Relationship Id="rId11" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="http://127.0.0.1:9/tracker.png" TargetMode="External"/>',
      '<Relationship Id="rId12" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://www.ncsc.gov.uk/" TargetMode="External"/>',
    ].join('');
    const bytes = await buildDocx(body, { rels, parts: { 'word/media/image1.png': png } });
    const proposal = await importPolicyFile({ name: 'with-pictures.docx', bytes });
    assert.equal(proposal.title, 'Staff Acceptable Use Policy');
    assert.equal(section(proposal.sections, '1').text, 'Report phishing to the NCSC.');
    assert.deepEqual(section(proposal.sections, '2').topics, ['passwords']);
    assert.ok(proposal.warnings.some((w) => /pictures were left out/.test(w)));
    assert.doesNotMatch(JSON.stringify(proposal), /127\.0\.0\.1|ncsc\.gov\.uk|base64/);
  });

  test('headings numbered automatically by Word are kept, with a warning that their numbers are missing', async () => {
    const heading = (t: string) =>
      `<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="2"/></w:numPr></w:pPr><w:r><w:t>${t}</w:t></w:r></w:p>`;
    const para = (t: string) => `<w:p><w:r><w:t>${t}</w:t></w:r></w:p>`;
    const bytes = await buildDocx(
      [para('Staff ICT Policy'), heading('Introduction'), para('For all staff.'), heading('Email'), para('Use Bcc for parents.')].join(''),
    );
    const proposal = await importPolicyFile({ name: 'numbered.docx', bytes });
    assert.deepEqual(
      proposal.sections.map((s) => [s.number, s.heading]),
      [
        [null, 'Introduction'],
        [null, 'Email'],
      ],
    );
    assert.ok(proposal.warnings.some((w) => w.startsWith('2 headings or paragraphs are numbered automatically by Word')));
  });

  test('a contents page without a "Contents" heading is still skipped', async () => {
    const doc =
      'Staff ICT Policy\n\n1. Introduction\t3\n2. Passwords\t4\n3. Email\t5\n\n1. Introduction\n\nFor all staff.\n\n2. Passwords\n\nUse three random words.\n\n3. Email\n\nUse Bcc for parents.\n';
    const proposal = await importPolicyFile(text('policy.txt', doc));
    assert.deepEqual(
      proposal.sections.map((s) => [s.number, s.heading, s.text]),
      [
        ['1', 'Introduction', 'For all staff.'],
        ['2', 'Passwords', 'Use three random words.'],
        ['3', 'Email', 'Use Bcc for parents.'],
      ],
    );
    assert.ok(proposal.warnings.includes('line 3 to line 5: the table of contents was skipped.'));
  });

  test('a text file saved by an older Windows program (Windows-1252) is read correctly', async () => {
    // 0x96 is the en dash in Windows-1252 and not valid UTF-8 on its own.
    const proposal = await importPolicyFile({
      name: 'old.txt',
      bytes: new Uint8Array(Buffer.from('Staff ICT Policy\r\n\r\n1. Scope \x96 all staff\r\n\r\nText.\r\n\r\n2. Rules\r\n\r\nMore text.\r\n', 'latin1')),
    });
    assert.deepEqual(
      proposal.sections.map((s) => s.heading),
      ['Scope – all staff', 'Rules'],
    );
  });
});

/** A zip written by hand, so a test can declare sizes that are not true. */
function zipOf(entries: { name: string; data: Uint8Array; declaredSize?: number }[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, declaredSize } of entries) {
    const compressed = deflateRawSync(data, { level: 9 });
    const fileName = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(declaredSize ?? data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(declaredSize ?? data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, compressed);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

const wordParts = (document: Uint8Array, declaredSize?: number) => [
  { name: '[Content_Types].xml', data: new TextEncoder().encode('<Types/>') },
  { name: 'word/document.xml', data: document, declaredSize },
];

async function rejectsWith(file: { name: string; bytes: Uint8Array }, code: PolicyImportErrorCode, message: RegExp) {
  await assert.rejects(importPolicyFile(file), (error: unknown) => {
    assert.ok(error instanceof PolicyImportError, `expected a PolicyImportError, got ${error}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    assert.equal(error.statusCode, 422);
    return true;
  });
}

/** A Windows program: "MZ", then at 0x3C the offset of the "PE" header. */
function windowsProgram(): Uint8Array {
  const bytes = Buffer.alloc(512);
  bytes.write('MZ', 0, 'latin1');
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write('PE\0\0', 0x80, 'latin1');
  return new Uint8Array(bytes);
}

/** The header of an OLE compound file, the container Word uses for encrypted documents and old .doc files. */
function compoundFile(streamName: string): Uint8Array {
  const header = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  return new Uint8Array(Buffer.concat([header, Buffer.alloc(504), Buffer.from(streamName, 'utf16le'), Buffer.alloc(64)]));
}

describe('policy importer: bad uploads get a clear error saying what to do', () => {
  test('a file type it cannot read names the types it can', async () => {
    await rejectsWith(text('policy.rtf', '{\\rtf1 hello}'), 'unsupported_type', /\.docx.*\.pdf.*\.txt or \.md/);
    await rejectsWith(text('policy.doc', 'x'), 'legacy_word_format', /old Word format.*Save As/);
  });

  test('a program renamed as a document is refused without being opened', async () => {
    for (const name of ['policy.docx', 'policy.pdf', 'policy.txt'])
      await rejectsWith({ name, bytes: windowsProgram() }, 'unsupported_type', /is a program, not a document/);
    await rejectsWith({ name: 'setup.exe', bytes: windowsProgram() }, 'unsupported_type', /not a type of file Countersign can import/);
  });

  test('a file over the size limit says what the limit is', async () => {
    assert.equal(MAX_POLICY_BYTES, 10 * 1024 * 1024);
    await rejectsWith(
      { name: 'huge.txt', bytes: new Uint8Array(MAX_POLICY_BYTES + 1).fill(0x41) },
      'too_large',
      /the largest file Countersign can import is 10 MB/,
    );
  });

  test('an empty document, or one of blank lines, is refused', async () => {
    await rejectsWith(text('empty.txt', ''), 'empty_document', /has no text in it/);
    await rejectsWith(text('blank.txt', '\n \n\t\n'), 'empty_document', /has no text in it/);
  });

  test('random bytes called .docx are a damaged Word document', async () => {
    const bytes = new Uint8Array(randomBytes(4096));
    bytes[0] = 0;
    await rejectsWith({ name: 'policy.docx', bytes }, 'corrupt_docx', /not a valid Word document.*save a new copy as \.docx/);
  });

  test('a zip that is not a Word document says so', async () => {
    const zip = new JSZip();
    zip.file('photos/readme.txt', 'not a policy');
    const bytes = await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
    await rejectsWith({ name: 'policy.docx', bytes }, 'not_word_document', /is a zip file but not a Word document/);
  });

  test('a password-protected Word document asks for the password to be removed', async () => {
    await rejectsWith(
      { name: 'locked.docx', bytes: compoundFile('EncryptedPackage') },
      'password_protected',
      /password-protected: remove the password and upload again/,
    );
    await rejectsWith({ name: 'locked.docx', bytes: compoundFile('') }, 'password_protected', /remove the password and upload again/);
    await rejectsWith({ name: 'renamed.docx', bytes: compoundFile('WordDocument') }, 'legacy_word_format', /old Word format/);
  });

  test('zip bombs are refused from their declared sizes, and a directory that lies about them is caught', async () => {
    const total = zipOf(wordParts(new Uint8Array(60 * 1024 * 1024)));
    assert.ok(total.length < 100 * 1024, `the test file itself stays small (${total.length} bytes)`);
    await rejectsWith({ name: 'bomb.docx', bytes: total }, 'zip_bomb', /would expand to 60 MB.*the limit is 50 MB/);

    const ratio = zipOf(wordParts(new Uint8Array(20 * 1024 * 1024)));
    await rejectsWith({ name: 'bomb.docx', bytes: ratio }, 'zip_bomb', /packed far more tightly than any real Word document.*has not opened it/);

    const liar = zipOf(wordParts(new Uint8Array(20 * 1024 * 1024), 100));
    await rejectsWith({ name: 'liar.docx', bytes: liar }, 'zip_bomb', /holds far more data than it says it does.*save a fresh copy/);
  });

  test('an encrypted PDF asks for the password to be removed', async () => {
    const doc = await PDFDocument.create();
    doc.addPage().drawText('Secret policy', { x: 50, y: 700, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
    const encrypt = doc.context.obj({
      Filter: 'Standard',
      V: 1,
      R: 2,
      Length: 40,
      P: -4,
      O: PDFHexString.of('00'.repeat(32)),
      U: PDFHexString.of('11'.repeat(32)),
    });
    doc.context.trailerInfo.Encrypt = doc.context.register(encrypt);
    doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of('ab'.repeat(16)), PDFHexString.of('ab'.repeat(16))]);
    await rejectsWith(
      { name: 'locked.pdf', bytes: await doc.save({ useObjectStreams: false }) },
      'password_protected',
      /password-protected PDF: remove the password/,
    );
  });

  test('a PDF with no text layer is taken for a scan, with a suggestion', async () => {
    const doc = await PDFDocument.create();
    doc.addPage().drawRectangle({ x: 50, y: 50, width: 400, height: 600, color: rgb(0.9, 0.9, 0.9) });
    doc.addPage();
    await rejectsWith({ name: 'scan.pdf', bytes: await doc.save() }, 'scanned_pdf', /looks like a scanned image.*Word document.*\.docx or as text/);
  });

  test('a file called .pdf that is not one, or is damaged, says so', async () => {
    await rejectsWith(text('policy.pdf', 'Staff ICT Policy'), 'corrupt_pdf', /not a valid PDF/);
    await rejectsWith(text('policy.pdf', '%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage'), 'corrupt_pdf', /not a valid PDF/);
  });

  test('a binary file called .txt is not read as text', async () => {
    const zip = zipOf(wordParts(new TextEncoder().encode('<w:document/>')));
    await rejectsWith({ name: 'policy.txt', bytes: zip }, 'not_text', /not a plain text file.*\.docx or \.pdf/);
  });

  test('prose with no headings at all says no sections were found', async () => {
    const prose =
      'Staff must use school computers responsibly and report any concerns to the head teacher.\nPasswords must never be shared with anyone, including colleagues and family members.\n';
    await rejectsWith(text('notes.txt', prose), 'no_sections', /Countersign could not find any sections in “notes\.txt”/);
  });
});
