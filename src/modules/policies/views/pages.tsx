import type { FieldErrors } from '../../../errors.ts';
import { type Column, PageHeading, SummaryList, Table, Tag, type Tone, WarningText } from '../../../ui/components.tsx';
import { formatDate, formatDateTime } from '../../../ui/format.ts';
import {
  Button,
  ButtonGroup,
  CancelLink,
  Checkboxes,
  DateInput,
  ErrorSummary,
  Form,
  type FormValues,
  Radios,
  Select,
  Textarea,
  TextInput,
} from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { AskToSignButton, ResignCycleSection } from '../../acknowledgements/campaigns/views.tsx';
import { PERSON_KIND_CODES, PERSON_KINDS, ROLE_CODES, ROLES, roleLabel } from '../../organisations/roles.ts';
import type { PolicyContent } from '../content.ts';
import { PastReviews, ReviewCountdown } from '../reviews/views.tsx';
import type { getPolicy, listPolicies, PolicyRow, VersionRow } from '../service.ts';
import { PolicyDocument } from './document.tsx';

const STATUS: Record<string, [string, Tone]> = {
  draft: ['Draft', 'grey'],
  approved: ['Approved', 'blue'],
  published: ['In force', 'green'],
  superseded: ['Superseded', 'grey'],
};
export const VersionTag = ({ status }: { status: string }) => <Tag tone={STATUS[status]?.[1] ?? 'grey'}>{STATUS[status]?.[0] ?? status}</Tag>;

/** A date as a document gave it: "2024-02" reads "February 2024", a full date "3 March 2026", anything else as written. */
export function documentDate(value: string | null): string {
  if (!value) return '';
  if (/^\d{4}-\d{2}$/.test(value))
    return new Date(`${value}-15T12:00:00Z`).toLocaleDateString('en-GB', { month: 'long', year: 'numeric', timeZone: 'Europe/London' });
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? formatDate(value) : value;
}

export function ReviewDue({ on, today }: { on: string | null; today: string }) {
  if (!on) return <span className="cs-muted">Not set</span>;
  return (
    <>
      {formatDate(on)} <ReviewCountdown on={on} today={today} />
    </>
  );
}

type ListRow = Awaited<ReturnType<typeof listPolicies>>[number];

export function PoliciesPage({ rows, canCreate, today }: { rows: ListRow[]; canCreate: boolean; today: string }) {
  const columns: Column<ListRow>[] = [
    {
      header: 'Policy',
      cell: (r) => (
        <a className="govuk-link" href={`/policies/${r.policy.id}`}>
          {r.policy.title}
        </a>
      ),
    },
    { header: 'Applies to', cell: (r) => r.schoolName ?? 'Whole trust' },
    { header: 'In force', cell: (r) => (r.inForce ? r.inForce.label : <Tag tone="orange">None yet</Tag>) },
    { header: 'Waiting', cell: (r) => (r.pending ? <VersionTag status={r.pending.status} /> : '') },
    { header: 'Next review', cell: (r) => <ReviewDue on={r.policy.nextReviewOn} today={today} /> },
  ];
  return (
    <Layout title="Policies">
      <PageHeading
        actions={
          canCreate && (
            <a href="/policies/new" className="govuk-button" data-module="govuk-button">
              Add a policy
            </a>
          )
        }
      >
        Policies
      </PageHeading>
      <Table
        caption="Policies"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.policy.id}
        empty="No policies yet. Add the trust’s acceptable use policy to start."
      />
    </Layout>
  );
}

type Options = { schools: { id: string; name: string }[]; people: { id: string; fullName: string; email: string }[] };

export const policyFormValues = (p: PolicyRow): FormValues => {
  const audiences = p.audiences as { kinds?: string[]; roles?: string[]; schoolIds?: string[] };
  return {
    title: p.title,
    slug: p.slug,
    scope: p.schoolId ?? 'trust',
    ownerPersonId: p.ownerPersonId ?? '',
    ownerRole: p.ownerRole ?? '',
    approverBody: p.approverBody ?? '',
    approverPersonId: p.approverPersonId ?? '',
    category: p.category,
    statutory: p.statutory ? 'yes' : undefined,
    publishOnWebsite: p.publishOnWebsite ? 'yes' : undefined,
    reviewCycleMonths: String(p.reviewCycleMonths),
    relatedPolicies: ((p.relatedPolicies as string[]) ?? []).join('\n'),
    audienceKinds: audiences.kinds ?? [],
    audienceRoles: audiences.roles ?? [],
    audienceSchoolIds: audiences.schoolIds ?? [],
  };
};

export function PolicyFormPage({ policyId, errors, values, options }: { policyId?: string; errors?: FieldErrors; values?: FormValues; options: Options }) {
  const heading = policyId ? 'Change the policy’s details' : 'Add a policy';
  const people = options.people.map((p) => ({ value: p.id, label: `${p.fullName} (${p.email})` }));
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={[{ href: '/policies', label: 'Policies' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          {!policyId && (
            <p className="govuk-body">
              Already have the policy as a Word document or PDF?{' '}
              <a className="govuk-link" href="/policies/import">
                Import it instead
              </a>
              .
            </p>
          )}
          <Form action={policyId ? `/policies/${policyId}/edit` : '/policies/new'}>
            <TextInput name="title" label="Title" hint="For example, Staff Acceptable Use of ICT Policy" errors={errors} values={values} />
            <TextInput
              name="slug"
              label="Short name"
              hint="Used in its web address, like staff-ict-aup"
              width="20"
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <Select
              name="scope"
              label="Belongs to"
              hint="A trust policy applies in every school."
              options={[{ value: 'trust', label: 'The whole trust' }, ...options.schools.map((s) => ({ value: s.id, label: s.name }))]}
              errors={errors}
              values={values}
            />
            <Select name="ownerPersonId" label="Owner or author (optional)" emptyLabel="No named person" options={people} errors={errors} values={values} />
            <Select
              name="ownerRole"
              label="Owning role (optional)"
              emptyLabel="No role"
              options={ROLE_CODES.map((r) => ({ value: r, label: ROLES[r].label }))}
              errors={errors}
              values={values}
            />
            <TextInput
              name="approverBody"
              label="Approved by (optional)"
              hint="The board, governing body or committee, like Board of Trustees"
              errors={errors}
              values={values}
            />
            <Select name="approverPersonId" label="Approving person (optional)" emptyLabel="No named person" options={people} errors={errors} values={values} />
            <Radios
              name="category"
              label="Category"
              inline
              options={[
                { value: 'internal', label: 'Internal' },
                { value: 'public', label: 'Public' },
              ]}
              errors={errors}
              values={values}
            />
            <Checkboxes name="statutory" label="Status" small options={[{ value: 'yes', label: 'Statutory policy' }]} errors={errors} values={values} />
            <Checkboxes
              name="publishOnWebsite"
              label="Website"
              small
              options={[{ value: 'yes', label: 'Publish on the website (a public page anyone can read)' }]}
              errors={errors}
              values={values}
            />
            <TextInput
              name="reviewCycleMonths"
              label="Review cycle in months"
              hint="12 for annually, 24 for every two years"
              width="5"
              inputMode="numeric"
              errors={errors}
              values={values}
            />
            <Textarea
              name="relatedPolicies"
              label="Related policies (optional)"
              hint="One per line, like Safeguarding Policy"
              rows={3}
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="audienceKinds"
              label="Who must sign it: kinds of person"
              small
              options={PERSON_KIND_CODES.map((k) => ({ value: k, label: PERSON_KINDS[k] }))}
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="audienceRoles"
              label="Who must sign it: roles (optional)"
              small
              options={ROLE_CODES.map((r) => ({ value: r, label: ROLES[r].label }))}
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="audienceSchoolIds"
              label="Who must sign it: schools (leave blank for all)"
              small
              options={options.schools.map((s) => ({ value: s.id, label: s.name }))}
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>{policyId ? 'Save changes' : 'Add policy'}</Button>
              <CancelLink href={policyId ? `/policies/${policyId}` : '/policies'} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

type Detail = Awaited<ReturnType<typeof getPolicy>>;

export function PolicyPage({
  detail,
  today,
  errors,
  publicUrl,
}: {
  detail: Detail;
  today: string;
  errors?: FieldErrors;
  /** The public page's full address when the policy is public and on the website. */
  publicUrl?: string | null;
}) {
  const { policy } = detail;
  const audiences = policy.audiences as { kinds?: string[]; roles?: string[] };
  const waiting = detail.draft ?? detail.approved;
  const versionColumns: Column<VersionRow>[] = [
    {
      header: 'Version',
      cell: (v) => (
        <a className="govuk-link" href={`/policies/${policy.id}/versions/${v.id}`}>
          {v.label}
        </a>
      ),
    },
    { header: 'Status', cell: (v) => <VersionTag status={v.status} /> },
    { header: 'Approved', cell: (v) => (v.approvedAt ? `${formatDate(v.approvedAt)}${v.approvalBody ? `, ${v.approvalBody}` : ''}` : '') },
    { header: 'In force from', cell: (v) => formatDate(v.effectiveFrom) },
    { header: 'Change', cell: (v) => (v.material === null ? (v.changeSummary ?? '') : `${v.material ? 'Material' : 'Minor'}: ${v.materialReason ?? ''}`) },
  ];
  return (
    <Layout
      title={errors ? `Error: ${policy.title}` : policy.title}
      breadcrumbs={[
        { href: '/', label: 'Home' },
        { href: '/policies', label: 'Policies' },
      ]}
    >
      <ErrorSummary errors={errors} />
      <PageHeading
        caption={detail.schoolName ?? 'Whole trust'}
        actions={
          <>
            <AskToSignButton policy={policy} inForce={!!detail.inForce} />
            {detail.inForce && (
              <a href={`/policies/${policy.id}/versions/${detail.inForce.id}`} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                Read the version in force
              </a>
            )}
            {detail.canManage && (
              <a href={`/policies/${policy.id}/edit`} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                Change details
              </a>
            )}
            {detail.canManage && detail.inForce && (
              <a href={`/policies/${policy.id}/review`} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                Record a review
              </a>
            )}
          </>
        }
      >
        {policy.title}
      </PageHeading>
      {waiting && (
        <div className="govuk-inset-text">
          <p className="govuk-body">
            <strong>{waiting.label}</strong> is {waiting.status === 'draft' ? 'a draft' : 'approved and waiting to be published'}.{' '}
            <a className="govuk-link" href={`/policies/${policy.id}/versions/${waiting.id}`}>
              Open {waiting.label}
            </a>
          </p>
        </div>
      )}
      {!waiting && detail.canManage && (
        <Form action={`/policies/${policy.id}/versions`}>
          <h2 className="govuk-heading-s">Start the next version</h2>
          <p className="govuk-body">It starts as a copy of the version in force, for you to change.</p>
          <div className="cs-filters__row">
            <TextInput name="label" label="Version label" width="10" errors={errors} values={{}} />
            <TextInput name="changeOrigin" label="Reason for the change (optional)" hint="For example, change in legislation" errors={errors} values={{}} />
            <div className="govuk-form-group">
              <Button secondary>Start a draft</Button>
            </div>
          </div>
        </Form>
      )}
      <h2 className="govuk-heading-m">Details</h2>
      <SummaryList
        rows={[
          { key: 'Owner', value: [detail.owner?.fullName, policy.ownerRole ? roleLabel(policy.ownerRole) : null].filter(Boolean).join(', ') },
          { key: 'Approved by', value: [policy.approverBody, detail.approver?.fullName].filter(Boolean).join(', ') },
          { key: 'Category', value: policy.category === 'public' ? 'Public' : 'Internal' },
          { key: 'Statutory', value: policy.statutory ? 'Yes' : 'No' },
          {
            key: 'On the website',
            value: publicUrl ? (
              <>
                <a className="govuk-link" href={publicUrl}>
                  {publicUrl}
                </a>
                {!detail.inForce && <span className="cs-muted"> (shown once a version is in force)</span>}
              </>
            ) : policy.publishOnWebsite ? (
              'No: only public policies are shown on the website'
            ) : (
              'No'
            ),
          },
          { key: 'Review cycle', value: `${policy.reviewCycleMonths} months` },
          { key: 'Last reviewed', value: formatDate(policy.lastReviewedOn) },
          { key: 'Next review due', value: <ReviewDue on={policy.nextReviewOn} today={today} /> },
          { key: 'Related policies', value: ((policy.relatedPolicies as string[]) ?? []).join(', ') },
          {
            key: 'Must be signed by',
            value: [...(audiences.kinds ?? []).map((k) => PERSON_KINDS[k as keyof typeof PERSON_KINDS] ?? k), ...(audiences.roles ?? []).map(roleLabel)].join(
              ', ',
            ),
          },
        ]}
      />
      <ResignCycleSection policy={policy} canManage={detail.canManage} />
      <h2 className="govuk-heading-m">Versions</h2>
      <Table caption="Versions" columns={versionColumns} rows={detail.versions} rowKey={(v) => v.id} />
      <PastReviews reviews={detail.reviews} />
      {detail.history.length > 0 && (
        <>
          <h2 className="govuk-heading-m">Change history from the document</h2>
          <table className="govuk-table">
            <caption className="govuk-table__caption govuk-visually-hidden">Change history from the document</caption>
            <thead className="govuk-table__head">
              <tr className="govuk-table__row">
                {['Version', 'Date', 'Change', 'Origin of change'].map((h) => (
                  <th scope="col" className="govuk-table__header" key={h}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="govuk-table__body">
              {detail.history.map((h) => (
                <tr className="govuk-table__row" key={h.id}>
                  <td className="govuk-table__cell">{h.versionLabel}</td>
                  <td className="govuk-table__cell">{documentDate(h.dateText)}</td>
                  <td className="govuk-table__cell">{h.change}</td>
                  <td className="govuk-table__cell">{h.origin}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Layout>
  );
}

export function VersionPage({
  policy,
  version,
  content,
  canManage,
  canApprove,
  errors,
  inForceId,
}: {
  policy: PolicyRow;
  version: VersionRow;
  content: PolicyContent;
  canManage: boolean;
  canApprove: boolean;
  errors?: FieldErrors;
  /** The version in force, for the compare link (null: none, or the reader may not compare). */
  inForceId?: string | null;
}) {
  const base = `/policies/${policy.id}/versions/${version.id}`;
  return (
    <Layout
      title={`${policy.title} ${version.label}`}
      breadcrumbs={[
        { href: '/policies', label: 'Policies' },
        { href: `/policies/${policy.id}`, label: policy.title },
      ]}
    >
      <ErrorSummary errors={errors} />
      <PageHeading
        caption={`${version.label} · ${STATUS[version.status]?.[0] ?? version.status}`}
        actions={
          <>
            {version.status === 'draft' && canManage && (
              <a href={`${base}/edit`} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                Edit the text
              </a>
            )}
            {version.status === 'draft' && canApprove && (
              <a href={`${base}/approve`} className="govuk-button" data-module="govuk-button">
                Record approval
              </a>
            )}
            {version.status === 'approved' && canApprove && (
              <a href={`${base}/publish`} className="govuk-button" data-module="govuk-button">
                Publish
              </a>
            )}
            {inForceId && inForceId !== version.id && (
              <a
                href={`/policies/${policy.id}/compare?${version.status === 'superseded' ? `from=${version.id}&to=${inForceId}` : `from=${inForceId}&to=${version.id}`}`}
                className="govuk-button govuk-button--secondary"
                data-module="govuk-button"
              >
                Compare with the version in force
              </a>
            )}
            {content.sections.length > 0 && (
              <a href={`${base}.pdf`} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                Download PDF
              </a>
            )}
          </>
        }
      >
        {policy.title}
      </PageHeading>
      <SummaryList
        rows={[
          { key: 'Status', value: <VersionTag status={version.status} /> },
          ...(version.approvedAt
            ? [
                {
                  key: 'Approved',
                  value: `${formatDateTime(version.approvedAt)} by ${version.approvalBody ?? ''}${version.approvalMinutesRef ? ` (minutes ${version.approvalMinutesRef})` : ''}`,
                },
              ]
            : []),
          ...(version.effectiveFrom ? [{ key: 'In force from', value: formatDate(version.effectiveFrom) }] : []),
          ...(version.material !== null
            ? [{ key: 'Change', value: `${version.material ? 'Material: everyone signs again' : 'Minor: no re-signing'}. ${version.materialReason ?? ''}` }]
            : []),
          { key: 'Content fingerprint (SHA-256)', value: <code className="cs-hash">{version.contentSha256}</code> },
        ]}
      />
      {version.status === 'draft' && canManage && (
        <Form action={`${base}/discard`}>
          <button type="submit" className="govuk-button govuk-button--warning" data-module="govuk-button">
            Discard this draft
          </button>
        </Form>
      )}
      {content.sections.length === 0 ? <WarningText>This draft has no text yet.</WarningText> : <PolicyDocument content={content} />}
    </Layout>
  );
}

export function ApprovePage({ policy, version, errors, values }: { policy: PolicyRow; version: VersionRow; errors?: FieldErrors; values?: FormValues }) {
  const heading = `Record the approval of ${version.label}`;
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={[{ href: `/policies/${policy.id}`, label: policy.title }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">{policy.title}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          <WarningText>Once approved, the text of {version.label} cannot be changed. Further changes need a new version.</WarningText>
          <Form action={`/policies/${policy.id}/versions/${version.id}/approve`}>
            <TextInput name="approvalBody" label="Approved by" hint="The board, governing body or committee" errors={errors} values={values} />
            <TextInput
              name="approvalMinutesRef"
              label="Minutes reference (optional)"
              hint="For example, FGB 12 March 2026 item 7"
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>Record approval</Button>
              <CancelLink href={`/policies/${policy.id}/versions/${version.id}`} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export function PublishPage({
  policy,
  version,
  first,
  errors,
  values,
}: {
  policy: PolicyRow;
  version: VersionRow;
  first: boolean;
  errors?: FieldErrors;
  values?: FormValues;
}) {
  const heading = `Publish ${version.label}`;
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={[{ href: `/policies/${policy.id}`, label: policy.title }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">{policy.title}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            {version.label} becomes the version in force{first ? '' : ' and the current version is superseded'}. The next review is then due{' '}
            {policy.reviewCycleMonths} months from today or from the date it takes effect, whichever is earlier.
          </p>
          <Form action={`/policies/${policy.id}/versions/${version.id}/publish`}>
            <DateInput name="effectiveFrom" label="Takes effect from" hint="For example, 1 9 2026" errors={errors} values={values} />
            <Radios
              name="change"
              label="Must everyone sign it again?"
              options={[
                { value: 'material', label: 'Yes: a material change', hint: 'Everyone in the audience is asked to sign this version.' },
                { value: 'minor', label: 'No: a minor change', hint: 'Signatures of the previous version still count. Not possible for a first version.' },
              ]}
              errors={errors}
              values={values}
            />
            <Textarea
              name="materialReason"
              label="Why"
              hint="Kept with the version, for example: new rules on personal devices"
              rows={3}
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>Publish {version.label}</Button>
              <CancelLink href={`/policies/${policy.id}/versions/${version.id}`} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}
