import type { FieldErrors } from '../../../errors.ts';
import { SummaryList, WarningText } from '../../../ui/components.tsx';
import { formatDate } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, ErrorSummary, FileUpload, Form, type FormValues, Select, Textarea, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import type { PolicyProposal } from '../import/index.ts';
import { flattenSections } from './service.ts';

const crumbs = [{ href: '/policies', label: 'Policies' }];

export function PolicyUploadPage({ errors, maxMb }: { errors?: FieldErrors; maxMb: number }) {
  return (
    <Layout title={errors ? 'Error: Import a policy' : 'Import a policy'} breadcrumbs={crumbs}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">Import a policy</h1>
          <p className="govuk-body">
            Upload the policy you use today. Countersign reads its title, dates, sections, key points, agreement statements and declaration, and shows you what
            it found. You correct it, then save it as a draft. Nothing is saved until you do.
          </p>
          <Form action="/policies/import" multipart>
            <FileUpload
              name="file"
              label="Policy document"
              hint={`A Word document (.docx), PDF with text, plain text (.txt) or Markdown (.md), up to ${maxMb} MB.`}
              accept=".docx,.pdf,.txt,.md"
              errors={errors}
            />
            <ButtonGroup>
              <Button>Upload and read the policy</Button>
              <CancelLink href="/policies" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

const slugify = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'policy';

const dateText = (d: string | null) =>
  d ? (d.length === 7 ? new Date(`${d}-01T12:00:00Z`).toLocaleDateString('en-GB', { month: 'long', year: 'numeric' }) : formatDate(d)) : '';

export function proposalDefaults(proposal: PolicyProposal): FormValues {
  const lastVersion = proposal.versionHistory.at(-1)?.version;
  return {
    title: proposal.title ?? '',
    slug: slugify(proposal.title ?? ''),
    scope: 'trust',
    category: 'internal',
    // Documents often name the approving board only as the policy's owner ("Author/owner: Board of Trustees").
    approverBody: proposal.approver ?? (proposal.owner && /board|governing|governors|trustees|committee/i.test(proposal.owner) ? proposal.owner : ''),
    reviewCycleMonths: String(proposal.reviewCycleMonths ?? 12),
    label: lastVersion ?? 'V1.0',
    keyPoints: proposal.keyPoints.join('\n'),
    agreementStatements: proposal.agreementStatements.join('\n'),
    declarationFields: proposal.declarationFields.join('\n'),
    audienceKinds: ['employee', 'volunteer', 'worker', 'trainee', 'contractor', 'pre_employment'],
  };
}

export function PolicyProposalPage({
  batchId,
  fileName,
  proposal,
  schools,
  errors,
  values,
}: {
  batchId: string;
  fileName: string;
  proposal: PolicyProposal;
  schools: { id: string; name: string }[];
  errors?: FieldErrors;
  values: FormValues;
}) {
  const flat = flattenSections(proposal.sections);
  return (
    <Layout title={errors ? 'Error: Check the imported policy' : 'Check the imported policy'} breadcrumbs={crumbs}>
      <ErrorSummary errors={errors} />
      <span className="govuk-caption-l">{fileName}</span>
      <h1 className="govuk-heading-l">Check the imported policy</h1>
      {proposal.warnings.length > 0 && (
        <div className="govuk-inset-text">
          <h2 className="govuk-heading-s">Check these</h2>
          <ul className="govuk-list govuk-list--bullet">
            {proposal.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      <h2 className="govuk-heading-m">What the document says about itself</h2>
      <SummaryList
        rows={[
          { key: 'Organisation', value: proposal.organisation ?? '' },
          { key: 'Owner or author', value: proposal.owner ?? '' },
          { key: 'Adopted', value: dateText(proposal.dates.adopted) },
          { key: 'Last reviewed', value: dateText(proposal.dates.lastReviewed) },
          { key: 'Interim review', value: dateText(proposal.dates.interimReview) },
          { key: 'Next review', value: dateText(proposal.dates.nextReview) },
          { key: 'Version history', value: proposal.versionHistory.map((h) => [h.version, h.date, h.change].filter(Boolean).join(', ')).join('; ') },
          { key: 'Topics', value: proposal.topics.join(', ') },
        ]}
      />
      <Form action={`/policies/import/${batchId}`}>
        <h2 className="govuk-heading-m">The policy</h2>
        <TextInput name="title" label="Title" errors={errors} values={values} />
        <TextInput name="slug" label="Short name" hint="Used in its web address" width="20" spellCheck={false} errors={errors} values={values} />
        <Select
          name="scope"
          label="Belongs to"
          options={[{ value: 'trust', label: 'The whole trust' }, ...schools.map((s) => ({ value: s.id, label: s.name }))]}
          errors={errors}
          values={values}
        />
        <TextInput name="approverBody" label="Approved by (optional)" errors={errors} values={values} />
        <TextInput name="reviewCycleMonths" label="Review cycle in months" width="5" inputMode="numeric" errors={errors} values={values} />
        <input type="hidden" name="category" value={String(values.category ?? 'internal')} />
        {(Array.isArray(values.audienceKinds) ? values.audienceKinds : []).map((k) => (
          <input type="hidden" name="audienceKinds" value={k} key={k} />
        ))}
        <TextInput
          name="label"
          label="Version label for the draft"
          hint="Taken from the document’s change history when it has one"
          width="10"
          errors={errors}
          values={values}
        />
        <h2 className="govuk-heading-m">Sections ({flat.length})</h2>
        <p className="govuk-body">Correct any heading Countersign read wrongly. The text of each section can be edited in the draft once it is saved.</p>
        {flat.map(({ key, depth, section }) => (
          <div className={`cs-clause--depth-${Math.min(depth, 3)}`} key={key}>
            <TextInput
              name={`heading-${key}`}
              label={`Section ${section.number ?? '(unnumbered)'} heading`}
              hint={section.text ? `${section.text.slice(0, 140)}${section.text.length > 140 ? '…' : ''}` : undefined}
              errors={errors}
              values={{ [`heading-${key}`]: values[`heading-${key}`] ?? section.heading ?? '' }}
            />
          </div>
        ))}
        <Textarea name="keyPoints" label="Key points (one a line)" rows={5} errors={errors} values={values} />
        <Textarea name="agreementStatements" label="Agreement statements (one a line)" rows={8} errors={errors} values={values} />
        <Textarea
          name="declarationFields"
          label="Declaration fields (one a line)"
          hint="What each signer gives, like Name, Position, Date"
          rows={4}
          errors={errors}
          values={values}
        />
        {errors?.form && <WarningText>{errors.form}</WarningText>}
        <ButtonGroup>
          <Button>Save as a draft</Button>
          <CancelLink href="/policies" />
        </ButtonGroup>
      </Form>
    </Layout>
  );
}
