import { AppError } from '../../../errors.ts';

/** The largest upload the importer reads: a policy with a few logos is well under 1 MB. */
export const MAX_POLICY_BYTES = 10 * 1024 * 1024;

/** What a .docx may expand to once unzipped; real policies stay under a few MB. */
export const MAX_UNZIPPED_BYTES = 50 * 1024 * 1024;

export const ACCEPTED_TYPES = 'a Word document (.docx), a PDF (.pdf) or a text file (.txt or .md)';

export type PolicyImportErrorCode =
  | 'unsupported_type'
  | 'legacy_word_format'
  | 'too_large'
  | 'empty_document'
  | 'corrupt_docx'
  | 'not_word_document'
  | 'password_protected'
  | 'zip_bomb'
  | 'corrupt_pdf'
  | 'scanned_pdf'
  | 'not_text'
  | 'no_sections';

/** A file the importer cannot use, with a message for the person who uploaded it saying what to do next. */
export class PolicyImportError extends AppError {
  constructor(
    readonly code: PolicyImportErrorCode,
    message: string,
  ) {
    super(message, 422);
  }
}

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;

/** The messages in one place so they read alike; `name` is the uploaded file's name. */
export const importErrors = {
  unsupportedType: (name: string) =>
    new PolicyImportError('unsupported_type', `“${name}” is not a type of file Countersign can import. Upload the policy as ${ACCEPTED_TYPES}.`),
  programFile: (name: string) =>
    new PolicyImportError(
      'unsupported_type',
      `“${name}” is a program, not a document, so Countersign will not open it. Upload the policy as ${ACCEPTED_TYPES}.`,
    ),
  legacyWord: (name: string) =>
    new PolicyImportError(
      'legacy_word_format',
      `“${name}” is in the old Word format (.doc). Open it in Word, choose File, Save As, pick “Word Document (*.docx)”, and upload the new file.`,
    ),
  tooLarge: (name: string, bytes: number) =>
    new PolicyImportError(
      'too_large',
      `“${name}” is ${megabytes(bytes)}; the largest file Countersign can import is ${megabytes(MAX_POLICY_BYTES)}. Remove large pictures from the document, or save it as a PDF or text file, and upload it again.`,
    ),
  empty: (name: string) => new PolicyImportError('empty_document', `“${name}” has no text in it. Check that you chose the right file.`),
  corruptDocx: (name: string) =>
    new PolicyImportError(
      'corrupt_docx',
      `“${name}” is not a valid Word document: it may be damaged or only partly downloaded. Open it in Word, save a new copy as .docx, and upload that.`,
    ),
  notWord: (name: string) =>
    new PolicyImportError('not_word_document', `“${name}” is a zip file but not a Word document. Upload the policy itself as ${ACCEPTED_TYPES}.`),
  passwordDocx: (name: string) =>
    new PolicyImportError(
      'password_protected',
      `“${name}” is password-protected: remove the password and upload again. In Word, choose File, Info, Protect Document, Encrypt with Password, clear the password and save.`,
    ),
  passwordPdf: (name: string) =>
    new PolicyImportError(
      'password_protected',
      `“${name}” is a password-protected PDF: remove the password and upload again, or upload the original Word document instead.`,
    ),
  zipBomb: (name: string, why: { total: number } | 'ratio' | 'undeclared' | 'parts') => {
    const what =
      why === 'ratio'
        ? 'is packed far more tightly than any real Word document'
        : why === 'undeclared'
          ? 'holds far more data than it says it does'
          : why === 'parts'
            ? 'is made of thousands of parts, far more than any real Word document'
            : `would expand to ${why.total >= 0xffffffff ? 'more than 4 GB' : megabytes(why.total)} when opened, far more than any policy (the limit is ${megabytes(MAX_UNZIPPED_BYTES)})`;
    return new PolicyImportError(
      'zip_bomb',
      `“${name}” ${what}. It may be damaged or built to cause harm, so Countersign has not opened it. Open it in Word, save a fresh copy, and upload that.`,
    );
  },
  corruptPdf: (name: string) =>
    new PolicyImportError(
      'corrupt_pdf',
      `“${name}” is not a valid PDF: it may be damaged or only partly downloaded. Save or export it again and upload the new copy.`,
    ),
  scannedPdf: (name: string) =>
    new PolicyImportError(
      'scanned_pdf',
      `“${name}” has no text that Countersign can read: it looks like a scanned image. Upload the original Word document instead, or export the policy from Word as .docx or as text, and try again.`,
    ),
  notText: (name: string) =>
    new PolicyImportError('not_text', `“${name}” is not a plain text file. If it is a Word document or a PDF, check that its name ends in .docx or .pdf.`),
  noSections: (name: string) =>
    new PolicyImportError(
      'no_sections',
      `Countersign could not find any sections in “${name}”: it has no numbered headings (like “1. Introduction”) and no headings it could recognise. Give the sections headings (in Word, use the Heading styles) or number them, and upload again.`,
    ),
};
