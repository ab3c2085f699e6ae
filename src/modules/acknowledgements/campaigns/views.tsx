import type { FieldErrors } from '../../../errors.ts';
import { type Column, InsetText, PagedTable, PageHeading, SummaryList, Table, Tag, type Tone, WarningText } from '../../../ui/components.tsx';
import { formatDate, formatDateTime, plural } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, Checkboxes, DateInput, Form, type FormValues, fieldId, Radios, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { usePage } from '../../../ui/page-context.tsx';
import { PERSON_KIND_CODES, PERSON_KINDS, ROLE_CODES, ROLES } from '../../organisations/roles.ts';
import { daysBetween, reviewCountdown } from '../../policies/reviews/service.ts';
import { PolicyFormPage } from '../../policies/views/form-page.tsx';
import { ASSIGNMENT_SOURCES } from '../schema.ts';
import { escalationInWords, remindersInWords } from './emails.tsx';
import { type AssignForm, type CampaignDetail, type CampaignSummary, mayAssign, type previewCampaign } from './service.ts';

/** A due date's plain countdown, red once overdue and orange in the last week. */
export function DueTag({ dueOn, today }: { dueOn: string; today: string }) {
  const days = daysBetween(today, dueOn);
  const tone: Tone = days < 0 ? 'red' : days <= 7 ? 'orange' : 'blue';
  return <Tag tone={tone}>{reviewCountdown(dueOn, today)}</Tag>;
}

const many = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []);

/**
 * People picked from the directory: a native multiple select, which works without JavaScript and
 * with a keyboard (Ctrl or Cmd and click, or Shift and the arrow keys).
 */
function PeoplePicker({
  name,
  label,
  hint,
  options,
  errors,
  values,
}: {
  name: string;
  label: string;
  hint: string;
  options: { id: string; fullName: string; email: string }[];
  errors?: FieldErrors;
  values?: FormValues;
}) {
  const error = errors?.[name];
  const chosen = new Set(many(values?.[name]));
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <label className="govuk-label govuk-label--s" htmlFor={fieldId(name)}>
        {label}
      </label>
      <div className="govuk-hint" id={`${fieldId(name)}-hint`}>
        {hint}
      </div>
      {error && (
        <p className="govuk-error-message" id={`${fieldId(name)}-error`}>
          <span className="govuk-visually-hidden">Error:</span> {error}
        </p>
      )}
      <select
        className={`govuk-select cs-people-picker${error ? ' govuk-select--error' : ''}`}
        id={fieldId(name)}
        name={name}
        multiple
        size={Math.min(8, Math.max(3, options.length))}
        defaultValue={[...chosen]}
        aria-describedby={[`${fieldId(name)}-hint`, error ? `${fieldId(name)}-error` : ''].filter(Boolean).join(' ')}
      >
        {options.map((p) => (
          <option key={p.id} value={p.id}>
            {`${p.fullName} (${p.email})`}
          </option>
        ))}
      </select>
    </div>
  );
}

type Preview = Awaited<ReturnType<typeof previewCampaign>>;

export function AssignFormPage({ form, errors, values }: { form: AssignForm; errors?: FieldErrors; values: FormValues }) {
  const { policy, version } = form;
  const heading = 'Ask people to sign';
  const where = form.schoolName ?? 'the trust';
  return (
    <PolicyFormPage policy={policy} heading={heading} errors={errors}>
      {!version ? (
        <WarningText>{policy.title} has no version in force yet. Publish it before asking people to sign it.</WarningText>
      ) : (
        <>
          <p className="govuk-body">
            Everyone you choose is asked to sign {version.label}, the version in force, by email with a personal link. People who already have this policy to
            sign, or have signed it, are not asked again. You can check how many people it will reach before anything is sent.
          </p>
          <Form action={`/policies/${policy.id}/assign`}>
            <Radios
              name="audience"
              label="Who must sign it"
              options={[
                ...(form.canChooseEveryone
                  ? [{ value: 'everyone', label: policy.schoolId ? `Everyone at ${where}` : 'Everyone in the trust', hint: 'Except people who have left' }]
                  : []),
                {
                  value: 'filtered',
                  label: 'Only the people I choose below',
                  hint: 'People who match every list you fill in (a school, a kind of person, a role), and anyone you name',
                },
              ]}
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="schoolIds"
              label={form.canChooseEveryone ? 'Schools (optional)' : 'School'}
              hint={form.canChooseEveryone ? undefined : 'You can ask the people of your own school.'}
              small
              options={form.schools.map((s) => ({ value: s.id, label: s.name }))}
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="kinds"
              label="Kinds of person (optional)"
              hint="Filled in from who the policy says must sign it"
              small
              options={PERSON_KIND_CODES.map((k) => ({ value: k, label: PERSON_KINDS[k] }))}
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="roles"
              label="Roles (optional)"
              small
              options={ROLE_CODES.map((r) => ({ value: r, label: ROLES[r].label }))}
              errors={errors}
              values={values}
            />
            <PeoplePicker
              name="personIds"
              label="Named people (optional)"
              hint="They are asked as well as the people above. Hold Ctrl (Cmd on a Mac) to choose more than one."
              options={form.people}
              errors={errors}
              values={values}
            />
            <DateInput name="dueOn" label="Sign by" hint="For example, 14 3 2027" errors={errors} values={values} />
            <Checkboxes
              name="onboarding"
              label="New people"
              small
              options={[{ value: 'yes', label: 'Ask new people who join this audience later, automatically' }]}
              errors={errors}
              values={values}
            />
            <TextInput
              name="onboardingDays"
              label="Days a new person has to sign"
              hint="Counted from their start date, or from the day they are added if that is later"
              width="5"
              inputMode="numeric"
              errors={errors}
              values={values}
            />
            <h2 className="govuk-heading-m">Reminders and escalation</h2>
            <TextInput
              name="reminderDaysBefore"
              label="Remind them this many days before the due date"
              hint="Separate the days with commas; 0 is on the day. For example, 7, 1, 0"
              width="10"
              errors={errors}
              values={values}
            />
            <TextInput name="overdueEveryDays" label="Once overdue, remind them every (days)" width="5" inputMode="numeric" errors={errors} values={values} />
            <TextInput
              name="escalateManagerAfterDays"
              label="Tell their line manager after this many days overdue (optional)"
              hint="If they have no line manager, their head teacher is told instead. Leave blank to never tell the line manager."
              width="5"
              inputMode="numeric"
              errors={errors}
              values={values}
            />
            <TextInput
              name="escalateHeadAfterDays"
              label="Tell their head teacher after this many days overdue (optional)"
              hint="Leave blank to never tell the head teacher."
              width="5"
              inputMode="numeric"
              errors={errors}
              values={values}
            />
            <TextInput
              name="resignDays"
              label="Days to sign again when a new version with material changes is published"
              width="5"
              inputMode="numeric"
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>Continue</Button>
              <CancelLink href={`/policies/${policy.id}`} />
            </ButtonGroup>
          </Form>
        </>
      )}
    </PolicyFormPage>
  );
}

/** The choices carried through the check page as hidden fields. */
function Hidden({ values }: { values: Record<string, string | string[]> }) {
  return (
    <>
      {Object.entries(values).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((v, i) => <input type="hidden" name={name} value={v} key={`${name}-${i}-${v}`} />),
      )}
    </>
  );
}

export function AssignCheckPage({ preview, values }: { preview: Preview; values: Record<string, string | string[]> }) {
  const { form, input, version, reach, already, words } = preview;
  const heading = 'Check before you ask';
  return (
    <Layout
      title={heading}
      breadcrumbs={[
        { href: '/policies', label: 'Policies' },
        { href: `/policies/${form.policy.id}`, label: form.policy.title },
      ]}
    >
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <span className="govuk-caption-l">{form.policy.title}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          <SummaryList
            rows={[
              { key: 'Policy', value: `${form.policy.title}, ${version.label}` },
              { key: 'Who must sign it', value: words },
              { key: 'Sign by', value: formatDate(input.dueOn) },
              {
                key: 'New people',
                value: input.onboardingDays === null ? 'Not asked automatically' : `Asked automatically, with ${plural(input.onboardingDays, 'day')} to sign`,
              },
              { key: 'Reminders', value: remindersInWords(input) },
              { key: 'If they do not sign', value: escalationInWords(input) },
              { key: 'After a material change', value: `Everyone signs the new version within ${plural(input.resignDays, 'day')}` },
            ]}
          />
          <InsetText>
            <p className="govuk-body govuk-!-font-weight-bold">
              {reach === 0 ? 'This will not ask anyone new to sign.' : `This will ask ${plural(reach, 'person', 'people')} to sign ${version.label}.`}
            </p>
            {already > 0 && (
              <p className="govuk-body">
                {plural(already, 'person', 'people')} in this audience already {already === 1 ? 'has' : 'have'} this policy to sign or{' '}
                {already === 1 ? 'has' : 'have'} signed it, and {already === 1 ? 'is' : 'are'} not asked again.
              </p>
            )}
            <p className="govuk-body">
              Each person is emailed straight away with a personal link to sign, then reminded until they do. You cannot take the request back once it is sent.
            </p>
          </InsetText>
          <Form action={`/policies/${form.policy.id}/assign`}>
            <Hidden values={values} />
            <ButtonGroup>
              <Button name="step" value="confirm">
                Ask them to sign
              </Button>
              <Button secondary name="step" value="change">
                Change the choices
              </Button>
              <CancelLink href={`/policies/${form.policy.id}`} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

const Counts = ({ counts }: { counts: CampaignSummary['counts'] }) =>
  counts.overdue > 0 ? <Tag tone="red">{plural(counts.overdue, 'overdue', 'overdue')}</Tag> : <>0</>;

const StatusTag = ({ c }: { c: CampaignSummary }) => (c.campaign.closedAt ? <Tag tone="grey">Closed</Tag> : <Tag tone="blue">Open</Tag>);

export function CampaignsPage({ rows }: { rows: CampaignSummary[] }) {
  const columns: Column<CampaignSummary>[] = [
    {
      header: 'Policy',
      cell: (c) => (
        <a className="govuk-link" href={`/assignments/${c.campaign.id}`}>
          {c.policyTitle}
        </a>
      ),
    },
    { header: 'Version', cell: (c) => c.versionLabel },
    { header: 'Who', cell: (c) => c.audienceWords },
    { header: 'Due', cell: (c) => formatDate(c.campaign.dueOn) },
    { header: 'Assigned', cell: (c) => c.counts.assigned.toLocaleString('en-GB'), numeric: true },
    { header: 'Signed', cell: (c) => c.counts.signed.toLocaleString('en-GB'), numeric: true },
    { header: 'Outstanding', cell: (c) => c.counts.outstanding.toLocaleString('en-GB'), numeric: true },
    { header: 'Overdue', cell: (c) => <Counts counts={c.counts} />, numeric: true },
    { header: 'Status', cell: (c) => <StatusTag c={c} /> },
  ];
  return (
    <Layout title="Assignments" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading>Assignments</PageHeading>
      <p className="govuk-body">
        Each time someone asks people to sign a policy, it is listed here with how many have signed. To ask people to sign, open the policy and choose “Ask
        people to sign”. When a new version is published, its open requests carry on with that version.
      </p>
      <Table
        caption="Requests to sign"
        columns={columns}
        rows={rows}
        rowKey={(c) => c.campaign.id}
        empty="Nobody has been asked to sign a policy yet. Open a policy in force and choose “Ask people to sign”."
      />
    </Layout>
  );
}

export function CampaignPage({ detail, today }: { detail: CampaignDetail; today: string }) {
  const { campaign, counts, cadence } = detail;
  type Row = CampaignDetail['outstanding'][number];
  const columns: Column<Row>[] = [
    {
      header: 'Name',
      cell: (r) =>
        detail.canSeePeople ? (
          <a className="govuk-link" href={`/people/${r.personId}`}>
            {r.name}
          </a>
        ) : (
          r.name
        ),
    },
    { header: 'School', cell: (r) => r.schools.join(', ') },
    { header: 'Due', cell: (r) => formatDate(r.dueOn) },
    { header: 'Status', cell: (r) => <DueTag dueOn={r.dueOn} today={today} /> },
    {
      header: 'Asked',
      cell: (r) => `${ASSIGNMENT_SOURCES[r.source] ?? r.source}${r.assignedByName ? ` by ${r.assignedByName}` : ''}, ${formatDate(r.assignedAt)}`,
    },
  ];
  return (
    <Layout
      title={`${detail.policyTitle} ${detail.versionLabel}: request to sign`}
      breadcrumbs={[
        { href: '/assignments', label: 'Assignments' },
        { href: `/policies/${campaign.policyId}`, label: detail.policyTitle },
      ]}
    >
      <PageHeading caption={`${detail.policyTitle}, ${detail.versionLabel}`}>Request to sign</PageHeading>
      {campaign.closedAt && (
        <InsetText>
          Closed on {formatDate(campaign.closedAt)}
          {campaign.closedReason ? `: ${campaign.closedReason}` : ''}.{' '}
          {detail.next && (
            <a className="govuk-link" href={`/assignments/${detail.next.id}`}>
              See the request for {detail.next.versionLabel}
            </a>
          )}
        </InsetText>
      )}
      <SummaryList
        rows={[
          { key: 'Status', value: <StatusTag c={detail} /> },
          { key: 'Who must sign it', value: detail.audienceWords },
          { key: 'Sign by', value: formatDate(campaign.dueOn) },
          {
            key: 'New people',
            value: campaign.onboardingDays === null ? 'Not asked automatically' : `Asked automatically, with ${plural(campaign.onboardingDays, 'day')} to sign`,
          },
          { key: 'Reminders', value: remindersInWords(cadence) },
          { key: 'If they do not sign', value: escalationInWords(cadence) },
          { key: 'After a material change', value: `Everyone signs the new version within ${plural(campaign.resignDays, 'day')}` },
          { key: 'Asked by', value: `${detail.createdByName ?? 'Countersign'} on ${formatDateTime(campaign.createdAt)}` },
          ...(detail.previous
            ? [
                {
                  key: 'Continues',
                  value: (
                    <a className="govuk-link" href={`/assignments/${detail.previous.id}`}>
                      The request for {detail.previous.versionLabel}
                    </a>
                  ),
                },
              ]
            : []),
        ]}
      />
      <h2 className="govuk-heading-m">Progress</h2>
      <SummaryList
        rows={[
          { key: 'Asked', value: plural(counts.assigned, 'person', 'people') },
          { key: 'Signed', value: counts.signed.toLocaleString('en-GB') },
          { key: 'Still to sign', value: counts.outstanding.toLocaleString('en-GB') },
          { key: 'Overdue', value: counts.overdue > 0 ? <Tag tone="red">{counts.overdue.toLocaleString('en-GB')}</Tag> : '0' },
        ]}
      />
      <h2 className="govuk-heading-m">Still to sign</h2>
      <PagedTable
        caption="People still to sign"
        columns={columns}
        rows={detail.outstanding}
        rowKey={(r) => r.id}
        empty={campaign.closedAt ? 'Nobody: this request has closed.' : 'Everyone asked has signed.'}
        paging={{
          page: detail.page,
          pageSize: detail.pageSize,
          total: detail.total,
          noun: ['person', 'people'],
          href: (p) => `/assignments/${campaign.id}?page=${p}`,
        }}
      />
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// On the policy page, and the annual re-signing form

/** The policy page's "Ask people to sign" button, for people who may assign it while a version is in force. */
export function AskToSignButton({ policy, inForce }: { policy: { id: string; trustId: string; schoolId: string | null }; inForce: boolean }) {
  const { actor } = usePage();
  if (!inForce || !mayAssign(actor, policy)) return null;
  return (
    <a href={`/policies/${policy.id}/assign`} className="govuk-button" data-module="govuk-button">
      Ask people to sign
    </a>
  );
}

export const resignCycleWords = (months: number | null) =>
  months ? `Every ${plural(months, 'month')} after each person last signed` : 'Only when a version with material changes is published';

/** The re-signing form: months (blank clears) and an optional reason for the audit trail. */
function ResignCycleForm({ policy, errors, values }: { policy: { id: string; resignEveryMonths: number | null }; errors?: FieldErrors; values?: FormValues }) {
  return (
    <Form action={`/policies/${policy.id}/resign-cycle`}>
      <TextInput
        name="resignEveryMonths"
        label="Ask everyone to sign again every (months)"
        hint="For example, 12 for every year. Leave blank to ask again only when a version with material changes is published."
        width="5"
        inputMode="numeric"
        errors={errors}
        values={values ?? { resignEveryMonths: policy.resignEveryMonths ? String(policy.resignEveryMonths) : '' }}
      />
      <TextInput name="note" label="Reason (optional)" hint="For example, agreed by the board on 3 March" errors={errors} values={values ?? {}} />
      <Button secondary>Save</Button>
    </Form>
  );
}

/** The policy page's section on signing again, with the form for people who manage the policy. */
export function ResignCycleSection({ policy, canManage }: { policy: { id: string; resignEveryMonths: number | null }; canManage: boolean }) {
  return (
    <section aria-labelledby="resign-cycle">
      <h2 className="govuk-heading-m" id="resign-cycle">
        Signing again
      </h2>
      <p className="govuk-body">Everyone signs it again: {resignCycleWords(policy.resignEveryMonths).toLocaleLowerCase('en-GB')}.</p>
      {canManage && <ResignCycleForm policy={policy} />}
    </section>
  );
}

export function ResignCyclePage({
  policy,
  errors,
  values,
}: {
  policy: { id: string; title: string; resignEveryMonths: number | null };
  errors?: FieldErrors;
  values?: FormValues;
}) {
  const heading = 'Signing again';
  return (
    <PolicyFormPage policy={policy} heading={heading} errors={errors}>
      <p className="govuk-body">
        Now: {resignCycleWords(policy.resignEveryMonths).toLocaleLowerCase('en-GB')}. When a person’s signature reaches the age you set, they are asked to sign
        the version in force again, with the same reminders as before.
      </p>
      <ResignCycleForm policy={policy} errors={errors} values={values} />
      <p className="govuk-body">
        <CancelLink href={`/policies/${policy.id}`}>Back to the policy</CancelLink>
      </p>
    </PolicyFormPage>
  );
}
