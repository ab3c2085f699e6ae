import type { ReactNode } from 'react';
import type { FieldErrors } from '../../errors.ts';
import { type Column, InsetText, PagedTable, PageHeading, SummaryList, Table, Tag, type Tone, WarningText } from '../../ui/components.tsx';
import { formatDate, formatDateTime } from '../../ui/format.ts';
import {
  Button,
  ButtonGroup,
  CancelLink,
  DateInput,
  DirectoryList,
  ErrorSummary,
  Form,
  type FormValues,
  fieldId,
  Radios,
  Select,
  Textarea,
  TextInput,
} from '../../ui/forms.tsx';
import { Layout } from '../../ui/layout.tsx';
import { daysBetween, reviewCountdown } from '../policies/reviews/service.ts';
import { BarChart } from './chart.tsx';
import { REMINDER_CADENCE } from './emails.tsx';
import { SANCTIONS, SEVERITIES, type Severity } from './schema.ts';
import {
  type ActionLine,
  type LimitedRecord,
  type NcRow,
  type NewRecordOptions,
  type OutcomeInput,
  PAGE_SIZE,
  type RecordDetail,
  type Register,
  type RegisterRow,
  shorten,
  type TrainingRow,
} from './service.ts';
import type { Trends } from './trends.ts';
import { NC_STATUSES, type RegisterQuery, SANCTION_CODES, SEVERITY_CODES, sanctionLabel } from './validation.ts';

const CRUMBS = [
  { href: '/', label: 'Home' },
  { href: '/non-compliance', label: 'Non-compliance' },
];
const title = (heading: string, errors?: FieldErrors) => (errors && Object.keys(errors).length ? `Error: ${heading}` : heading);

export function SeverityTag({ severity }: { severity: Severity }) {
  const s = SEVERITIES[severity];
  return <Tag tone={s.tone}>{s.label}</Tag>;
}

export function StatusTag({ status }: { status: NcRow['status'] }) {
  return <Tag tone={status === 'open' ? 'blue' : 'green'}>{NC_STATUSES[status]}</Tag>;
}

/** A date with its countdown: red overdue, orange within a week, grey later. */
export function DueTag({ on, today }: { on: string; today: string }) {
  const days = daysBetween(today, on);
  const tone: Tone = days < 0 ? 'red' : days <= 7 ? 'orange' : 'grey';
  return <Tag tone={tone}>{reviewCountdown(on, today)}</Tag>;
}

const who = (r: { personName: string | null; groupDescription: string | null }) => r.personName ?? (r.groupDescription ? `${r.groupDescription} (group)` : '');

/** "4.2" or the start of the clause's words when it has no number. */
const clauseShort = (number: string | null, text: string | null) => number ?? (text ? shorten(text, 60) : 'Not recorded');

/** The clause's words as the version read when the record was made: paragraphs on blank lines. */
function ClauseWords({ text }: { text: string | null }) {
  if (!text) return <span className="cs-muted">Not recorded</span>;
  return (
    <>
      {text.split(/\n\s*\n/).map((p, i) => (
        <p className="govuk-body" key={i}>
          {p}
        </p>
      ))}
    </>
  );
}

/** The clause picker: one select, a group of options a policy in force ("Policy title (V2.0)"), an option a clause. */
function ClauseSelect({ policies, errors, values }: { policies: NewRecordOptions['policies']; errors?: FieldErrors; values?: FormValues }) {
  const error = errors?.clause;
  const current = values?.clause;
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <label className="govuk-label govuk-label--s" htmlFor={fieldId('clause')}>
        The clause that was not followed
      </label>
      <div className="govuk-hint" id={`${fieldId('clause')}-hint`}>
        From the version of each policy in force. The clause is kept with the record as it reads today, even when the policy changes later.
      </div>
      {error && (
        <p className="govuk-error-message" id={`${fieldId('clause')}-error`}>
          <span className="govuk-visually-hidden">Error:</span> {error}
        </p>
      )}
      <select
        className={`govuk-select${error ? ' govuk-select--error' : ''}`}
        id={fieldId('clause')}
        name="clause"
        defaultValue={Array.isArray(current) ? current[0] : (current ?? '')}
        aria-describedby={`${fieldId('clause')}-hint${error ? ` ${fieldId('clause')}-error` : ''}`}
      >
        <option value="">Choose a clause</option>
        {policies.map((p) => (
          <optgroup key={p.versionId} label={`${p.title} (${p.versionLabel})`}>
            {p.clauses.map((c) => (
              <option key={c.value} value={c.value}>
                {`${p.title} — ${c.label}`}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// The register

function registerUrl(q: Partial<RegisterQuery>, page = 1) {
  const params = new URLSearchParams();
  for (const key of ['status', 'severity', 'school'] as const) if (q[key]) params.set(key, String(q[key]));
  if (page > 1) params.set('page', String(page));
  const s = params.toString();
  return `/non-compliance${s ? `?${s}` : ''}`;
}

export function RegisterPage({ data, today }: { data: Register; today: string }) {
  const q = data.query;
  const columns: Column<RegisterRow>[] = [
    {
      header: 'Reference',
      cell: (r) => (
        <a className="govuk-link" href={`/non-compliance/${r.id}`}>
          {r.reference}
        </a>
      ),
    },
    { header: 'Person or group', cell: who },
    { header: 'School', cell: (r) => r.schoolName ?? 'Whole trust' },
    {
      header: 'Clause',
      cell: (r) => (
        <>
          {clauseShort(r.clauseNumber, r.clauseText)}
          {r.policyTitle && <span className="govuk-body-s cs-muted govuk-!-display-block">{r.policyTitle}</span>}
        </>
      ),
    },
    { header: 'Severity', cell: (r) => <SeverityTag severity={r.severity} /> },
    { header: 'Status', cell: (r) => <StatusTag status={r.status} /> },
    {
      header: 'Review',
      cell: (r) =>
        r.status === 'open' ? (
          <>
            {formatDate(r.reviewOn)} <DueTag on={r.reviewOn} today={today} />
          </>
        ) : (
          <span className="cs-muted">Closed</span>
        ),
    },
    { header: 'Open actions', cell: (r) => r.openActions, numeric: true },
  ];
  return (
    <Layout title="Non-compliance" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading
        actions={
          data.canCreate ? (
            <a href="/non-compliance/new" className="govuk-button" data-module="govuk-button">
              Record non-compliance
            </a>
          ) : undefined
        }
      >
        Non-compliance
      </PageHeading>
      <p className="govuk-body">
        When someone does not follow a policy, the record is brought to the DPO and the head teacher, an action plan is agreed and a date is set to review it.
        Records are never deleted.{' '}
        <a className="govuk-link" href="/trends">
          See trends, risks and breach hazards
        </a>
        .
      </p>
      <form method="get" action="/non-compliance" className="cs-filters" role="search" aria-label="Filter the register">
        <div className="cs-filters__row">
          <Select
            name="status"
            label="Status"
            emptyLabel="Open and closed"
            options={Object.entries(NC_STATUSES).map(([value, label]) => ({ value, label }))}
            values={{ status: q.status }}
          />
          <Select
            name="severity"
            label="Severity"
            emptyLabel="Any"
            options={SEVERITY_CODES.map((s) => ({ value: s, label: SEVERITIES[s].label }))}
            values={{ severity: q.severity }}
          />
          {data.schools.length > 1 && <Select name="school" label="School" emptyLabel="Every school" options={data.schools} values={{ school: q.school }} />}
          <div className="govuk-form-group">
            <Button secondary>Apply filters</Button>
          </div>
        </div>
      </form>
      <PagedTable
        caption="Non-compliance records"
        columns={columns}
        rows={data.rows}
        rowKey={(r) => r.id}
        empty="No records match these filters."
        paging={{ page: q.page, pageSize: PAGE_SIZE, total: data.total, noun: ['record', 'records'], href: (page) => registerUrl(q, page) }}
      />
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Recording non-compliance

export type Source = { reference: string } | null;

export function NewRecordPage({ options, source, errors, values }: { options: NewRecordOptions; source: Source; errors?: FieldErrors; values?: FormValues }) {
  const heading = 'Record non-compliance';
  const noPolicies = options.policies.length === 0;
  return (
    <Layout title={title(heading, errors)} breadcrumbs={CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          {errors?.form && <p className="govuk-error-message">{errors.form}</p>}
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            For a person or a group who did not follow a policy. The record goes to the trust’s data protection officer and the school’s head teacher.
          </p>
          {noPolicies ? (
            <WarningText>No policy is in force yet. Publish the policy first: the record names the clause that was not followed.</WarningText>
          ) : (
            <Form action="/non-compliance/new">
              {source && (
                <>
                  <input type="hidden" name="concern" value={source.reference} />
                  <InsetText>
                    From concern{' '}
                    <a className="govuk-link" href={`/concerns/${source.reference}`}>
                      {source.reference}
                    </a>
                    . The record will link to it.
                  </InsetText>
                </>
              )}
              <Select name="school" label="School" emptyLabel="Choose the school" options={options.schools} errors={errors} values={values} />
              <DirectoryList id="directory" people={options.people} />
              <TextInput
                autoComplete="off"
                spellCheck={false}
                name="person"
                label="The person"
                hint="Start typing their name and choose them from the list. Leave it empty for a group."
                list="directory"
                errors={errors}
                values={values}
              />
              <TextInput
                name="group"
                label="Or a group"
                hint="For a group of people, describe it, for example “Year 6 team” or “all staff using the shared office PC”"
                errors={errors}
                values={values}
              />
              <ClauseSelect policies={options.policies} errors={errors} values={values} />
              <Radios
                name="severity"
                label="How serious is it?"
                inline
                options={SEVERITY_CODES.map((s) => ({ value: s, label: SEVERITIES[s].label }))}
                errors={errors}
                values={values}
              />
              <Textarea
                name="summary"
                label="What happened"
                hint="The facts: what was done or not done, when, and how it came to light"
                rows={6}
                errors={errors}
                values={values}
              />
              <DateInput
                name="reviewOn"
                label="Agreed review date"
                hint={`The date agreed to check the action plan, for example 27 3 2027. ${REMINDER_CADENCE}`}
                errors={errors}
                values={values}
              />
              <h2 className="govuk-heading-m">First action (optional)</h2>
              <p className="govuk-body">You can add more actions to the plan on the record’s page.</p>
              <TextInput name="actionText" label="Action" hint="For example “Complete the data protection refresher”" errors={errors} values={values} />
              <TextInput
                autoComplete="off"
                spellCheck={false}
                name="actionOwner"
                label="Who will do it"
                hint="Start typing their name and choose them from the list"
                list="directory"
                errors={errors}
                values={values}
              />
              <DateInput name="actionDueOn" label="Due by" hint="For example, 27 3 2027" errors={errors} values={values} />
              <ButtonGroup>
                <Button>Record non-compliance</Button>
                <CancelLink href="/non-compliance" />
              </ButtonGroup>
            </Form>
          )}
        </div>
      </div>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// The record

type PeopleOptions = { id: string; fullName: string; email: string }[];

function ActionTable({
  record,
  actions,
  today,
  canManage,
  me,
}: {
  record: { id: string };
  actions: ActionLine[];
  today: string;
  canManage: boolean;
  me: string | null;
}) {
  const columns: Column<ActionLine>[] = [
    { header: 'Action', cell: (a) => <span id={`action-${a.item.id}`}>{a.item.text}</span> },
    { header: 'Owner', cell: (a) => a.ownerName },
    {
      header: 'Due',
      cell: (a) => (
        <>
          {formatDate(a.item.dueOn)} {!a.item.doneAt && <DueTag on={a.item.dueOn} today={today} />}
        </>
      ),
    },
    {
      header: 'Done',
      cell: (a) =>
        a.item.doneAt ? (
          <>
            <Tag tone="green">Done</Tag> <span className="govuk-body-s">{`${formatDate(a.item.doneAt)}${a.doneByName ? ` by ${a.doneByName}` : ''}`}</span>
          </>
        ) : canManage || a.item.ownerId === me ? (
          <Form action={`/non-compliance/${record.id}/actions/${a.item.id}/done`} className="cs-inline-form">
            <button type="submit" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">
              Mark as done<span className="govuk-visually-hidden">: {shorten(a.item.text, 60)}</span>
            </button>
          </Form>
        ) : (
          <span className="cs-muted">Not yet</span>
        ),
    },
  ];
  return <Table caption="Action plan" columns={columns} rows={actions} rowKey={(a) => a.item.id} empty="No actions yet." />;
}

export function LimitedRecordPage({ data, today, me }: { data: LimitedRecord; today: string; me: string | null }) {
  const heading = `Your actions for ${data.record.reference}`;
  return (
    <Layout title={heading} breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading caption="Non-compliance action plan">{heading}</PageHeading>
      <p className="govuk-body">
        You own these actions on the action plan of non-compliance record {data.record.reference}. Mark each one as done when it is. The rest of the record is
        kept to the people who manage it.
      </p>
      <ActionTable record={data.record} actions={data.actions} today={today} canManage={false} me={me} />
    </Layout>
  );
}

export type RecordForm = 'action' | 'training';

export function RecordPage({
  data,
  today,
  me,
  people,
  errors,
  values,
  form,
}: {
  data: RecordDetail;
  today: string;
  me: string | null;
  people: PeopleOptions;
  errors?: FieldErrors;
  values?: FormValues;
  form?: RecordForm;
}) {
  const r = data.record;
  const open = r.status === 'open';
  const manage = data.canManage && open;
  const subject = data.person
    ? `${data.person.fullName}${data.person.position ? `, ${data.person.position}` : ''}`
    : r.groupDescription
      ? `${r.groupDescription} (group)`
      : '';
  const trainingColumns: Column<TrainingRow>[] = [
    { header: 'Training needed', cell: (t) => t.need },
    { header: 'For whom', cell: (t) => t.forWhom ?? subject },
    {
      header: 'Met on',
      cell: (t) =>
        t.metOn ? (
          <>
            <Tag tone="green">Met</Tag> {formatDate(t.metOn)}
          </>
        ) : data.canManage ? (
          <a className="govuk-link" href={`/non-compliance/${r.id}/training/${t.id}/met`}>
            Record as met<span className="govuk-visually-hidden">: {shorten(t.need, 60)}</span>
          </a>
        ) : (
          <span className="cs-muted">Not yet</span>
        ),
    },
  ];
  return (
    <Layout title={title(r.reference, errors)} breadcrumbs={CRUMBS}>
      <ErrorSummary errors={errors} />
      <PageHeading caption="Non-compliance">
        {r.reference} <StatusTag status={r.status} />
      </PageHeading>
      <SummaryList
        rows={[
          { key: 'Person or group', value: subject },
          { key: 'School', value: data.schoolName ?? 'Whole trust (central team)' },
          { key: 'Severity', value: <SeverityTag severity={r.severity} /> },
          { key: 'What happened', value: r.summary },
          {
            key: 'Policy',
            value: data.policy
              ? `${data.policy.title} (${data.policy.versionLabel}${data.policy.versionStatus === 'published' ? ', in force' : ', since replaced'})`
              : '',
          },
          {
            key: 'Agreed review date',
            value: open ? (
              <>
                {formatDate(r.reviewOn)} <DueTag on={r.reviewOn} today={today} />
              </>
            ) : (
              `${formatDate(r.reviewOn)} (closed)`
            ),
            action: manage ? { href: `/non-compliance/${r.id}/review-date`, label: 'Change' } : undefined,
          },
          {
            key: 'Source concern',
            value: data.source ? (
              data.source.canOpen ? (
                <a className="govuk-link" href={`/concerns/${data.source.reference}`}>
                  {data.source.reference}
                </a>
              ) : (
                'A concern you cannot open'
              )
            ) : (
              'None'
            ),
          },
          { key: 'Recorded', value: `${formatDateTime(r.createdAt)}${data.createdBy ? ` by ${data.createdBy.fullName}` : ''}` },
        ]}
      />

      <h2 className="govuk-heading-m">The clause as it read{data.policy ? ` in ${data.policy.versionLabel}` : ''}</h2>
      <div className="govuk-inset-text" data-clause="snapshot">
        {r.clauseNumber && <p className="govuk-body govuk-!-font-weight-bold">{r.clauseNumber}</p>}
        <ClauseWords text={r.clauseText} />
      </div>

      <h2 className="govuk-heading-m" id="action-plan">
        Action plan
      </h2>
      <ActionTable record={r} actions={data.actions} today={today} canManage={data.canManage} me={me} />
      {manage && (
        <details className="govuk-details" data-module="govuk-details" open={form === 'action' || undefined}>
          <summary className="govuk-details__summary">
            <span className="govuk-details__summary-text">Add an action</span>
          </summary>
          <div className="govuk-details__text">
            <Form action={`/non-compliance/${r.id}/actions`}>
              <DirectoryList id="directory" people={people} />
              <TextInput name="actionText" label="Action" errors={form === 'action' ? errors : undefined} values={form === 'action' ? values : undefined} />
              <TextInput
                autoComplete="off"
                spellCheck={false}
                name="actionOwner"
                label="Who will do it"
                hint="Start typing their name and choose them from the list"
                list="directory"
                errors={form === 'action' ? errors : undefined}
                values={form === 'action' ? values : undefined}
              />
              <DateInput
                name="actionDueOn"
                label="Due by"
                hint="For example, 27 3 2027"
                errors={form === 'action' ? errors : undefined}
                values={form === 'action' ? values : undefined}
              />
              <Button secondary>Add the action</Button>
            </Form>
          </div>
        </details>
      )}

      <h2 className="govuk-heading-m" id="training">
        Training needs
      </h2>
      <Table caption="Training needs" columns={trainingColumns} rows={data.training} rowKey={(t) => t.id} empty="No training needs identified yet." />
      {manage && (
        <details className="govuk-details" data-module="govuk-details" open={form === 'training' || undefined}>
          <summary className="govuk-details__summary">
            <span className="govuk-details__summary-text">Add a training need</span>
          </summary>
          <div className="govuk-details__text">
            <Form action={`/non-compliance/${r.id}/training`}>
              <TextInput
                name="need"
                label="Training needed"
                hint="For example “Data protection refresher: sending personal data by email”"
                errors={form === 'training' ? errors : undefined}
                values={form === 'training' ? values : undefined}
              />
              <TextInput
                name="forWhom"
                label="For whom (optional)"
                hint={`Leave empty when it is for ${subject || 'the person or group of the record'}`}
                errors={form === 'training' ? errors : undefined}
                values={form === 'training' ? values : undefined}
              />
              <Button secondary>Add the training need</Button>
            </Form>
          </div>
        </details>
      )}

      <h2 className="govuk-heading-m" id="outcome">
        Outcome
      </h2>
      {open ? (
        data.canSanction ? (
          <>
            <p className="govuk-body">When the action plan has been reviewed, record the outcome and any sanction. This closes the record.</p>
            <a href={`/non-compliance/${r.id}/outcome`} className="govuk-button govuk-button--secondary" data-module="govuk-button">
              Record the outcome
            </a>
          </>
        ) : (
          <p className="govuk-body">No outcome yet. The head teacher or the trust’s HR lead records the outcome and any sanction.</p>
        )
      ) : data.canSanction ? (
        <SummaryList
          rows={[
            { key: 'Outcome', value: r.outcome },
            { key: 'Sanction', value: r.sanction ? sanctionLabel(r.sanction) : '' },
            { key: 'Note about the sanction', value: r.sanctionNote },
            { key: 'Recorded', value: `${formatDateTime(r.outcomeAt)}${data.outcomeBy ? ` by ${data.outcomeBy.fullName}` : ''}` },
          ]}
        />
      ) : (
        <p className="govuk-body" data-outcome="restricted">
          Outcome recorded (restricted) on {formatDate(r.closedAt)}. Only the head teacher and the trust’s HR lead can see it.
        </p>
      )}

      <h2 className="govuk-heading-m">History</h2>
      <Table
        caption="History"
        columns={[
          { header: 'When', cell: (h: RecordDetail['history'][number]) => formatDateTime(h.at) },
          { header: 'Who', cell: (h: RecordDetail['history'][number]) => h.actorLabel },
          {
            header: 'What',
            cell: (h: RecordDetail['history'][number]) => (
              <>
                {h.summary}
                {h.reason && <span className="govuk-body-s govuk-!-display-block">Reason: {h.reason}</span>}
              </>
            ),
          },
        ]}
        rows={data.history}
        rowKey={(h) => `${h.at.toISOString()}-${h.summary}`}
        empty="No changes recorded."
      />
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// One-form pages about a record

function RecordFormPage({ row, heading, errors, children }: { row: NcRow; heading: string; errors?: FieldErrors; children: ReactNode }) {
  return (
    <Layout title={title(heading, errors)} breadcrumbs={[...CRUMBS, { href: `/non-compliance/${row.id}`, label: row.reference }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          {errors?.form && <p className="govuk-error-message">{errors.form}</p>}
          <span className="govuk-caption-l">{row.reference}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          {children}
        </div>
      </div>
    </Layout>
  );
}

export function ReviewDatePage({ row, errors, values, today }: { row: NcRow; errors?: FieldErrors; values?: FormValues; today: string }) {
  return (
    <RecordFormPage row={row} heading="Change the review date" errors={errors}>
      <p className="govuk-body">
        The agreed review date is {formatDate(row.reviewOn)} (<DueTag on={row.reviewOn} today={today} />
        ). The reason is kept in the record’s history. Reminders follow the new date.
      </p>
      <Form action={`/non-compliance/${row.id}/review-date`}>
        <DateInput name="reviewOn" label="New review date" hint="For example, 27 3 2027" errors={errors} values={values} />
        <Textarea name="reason" label="Why is it changing?" rows={3} errors={errors} values={values} />
        <ButtonGroup>
          <Button>Change the review date</Button>
          <CancelLink href={`/non-compliance/${row.id}`} />
        </ButtonGroup>
      </Form>
    </RecordFormPage>
  );
}

export function TrainingMetPage({ row, need, errors, values }: { row: NcRow; need: TrainingRow; errors?: FieldErrors; values?: FormValues }) {
  return (
    <RecordFormPage row={row} heading="Record a training need as met" errors={errors}>
      <InsetText>{need.need}</InsetText>
      <Form action={`/non-compliance/${row.id}/training/${need.id}/met`}>
        <DateInput name="metOn" label="Date it was met" hint="For example, 27 3 2027" errors={errors} values={values} />
        <ButtonGroup>
          <Button>Record as met</Button>
          <CancelLink href={`/non-compliance/${row.id}#training`} />
        </ButtonGroup>
      </Form>
    </RecordFormPage>
  );
}

export function OutcomeFormPage({ row, errors, values }: { row: NcRow; errors?: FieldErrors; values?: FormValues }) {
  return (
    <RecordFormPage row={row} heading="Record the outcome" errors={errors}>
      <p className="govuk-body">
        The sanction and its note are seen only by the head teacher and the trust’s HR lead. Others see that an outcome was recorded.
      </p>
      <Form action={`/non-compliance/${row.id}/outcome`}>
        <Textarea name="outcome" label="Outcome" hint="What the review found and what was decided" rows={5} errors={errors} values={values} />
        <Select
          name="sanction"
          label="Sanction"
          emptyLabel="Choose the sanction"
          options={SANCTION_CODES.map((s) => ({ value: s, label: SANCTIONS[s] }))}
          errors={errors}
          values={values}
        />
        <Textarea
          name="sanctionNote"
          label="Note about the sanction (optional)"
          hint="For example, the HR case reference"
          rows={3}
          errors={errors}
          values={values}
        />
        <ButtonGroup>
          <Button>Continue</Button>
          <CancelLink href={`/non-compliance/${row.id}`} />
        </ButtonGroup>
      </Form>
    </RecordFormPage>
  );
}

/** The confirmation: exactly what will be recorded, and that it closes the record for good. */
export function OutcomeConfirmPage({ row, input }: { row: NcRow; input: OutcomeInput }) {
  return (
    <RecordFormPage row={row} heading="Record this outcome and close the record?">
      <SummaryList
        rows={[
          { key: 'Outcome', value: input.outcome },
          { key: 'Sanction', value: sanctionLabel(input.sanction) },
          { key: 'Note about the sanction', value: input.sanctionNote ?? '' },
        ]}
      />
      <WarningText>{`This closes ${row.reference}. The outcome cannot be changed afterwards, and the review date no longer applies.`}</WarningText>
      <Form action={`/non-compliance/${row.id}/outcome`}>
        <input type="hidden" name="outcome" value={input.outcome} />
        <input type="hidden" name="sanction" value={input.sanction} />
        <input type="hidden" name="sanctionNote" value={input.sanctionNote ?? ''} />
        <input type="hidden" name="confirm" value="yes" />
        <ButtonGroup>
          <Button warning>Record the outcome and close</Button>
          <CancelLink href={`/non-compliance/${row.id}`} />
        </ButtonGroup>
      </Form>
    </RecordFormPage>
  );
}

// ---------------------------------------------------------------------------------------------
// Trends

export function TrendsPage({ data }: { data: Trends }) {
  const q = data.query;
  const sections: { id: string; heading: string; title: string; bars: Trends['byClause']; header: string; layout?: 'columns'; empty: string }[] = [
    {
      id: 'by-clause',
      heading: 'By clause',
      title: 'Non-compliance records by clause',
      bars: data.byClause,
      header: 'Clause',
      empty: 'No records.',
    },
    { id: 'by-school', heading: 'By school', title: 'Non-compliance records by school', bars: data.bySchool, header: 'School', empty: 'No records.' },
    { id: 'by-role', heading: 'By role', title: 'Non-compliance records by role', bars: data.byRole, header: 'Role or position', empty: 'No records.' },
    { id: 'by-severity', heading: 'By severity', title: 'Non-compliance records by severity', bars: data.bySeverity, header: 'Severity', empty: 'No records.' },
    {
      id: 'by-month',
      heading: 'By month',
      title: 'Non-compliance records by month',
      bars: data.byMonth,
      header: 'Month',
      layout: 'columns',
      empty: 'No records.',
    },
  ];
  return (
    <Layout title="Trends" breadcrumbs={CRUMBS}>
      <PageHeading>Trends, risks and breach hazards</PageHeading>
      <p className="govuk-body">
        Where policies are not being followed, and what is being reported, in {data.periodLabel}. Counts include only the records you can open.
      </p>
      <form method="get" action="/trends" className="cs-filters" role="search" aria-label="Filter the trends">
        <div className="cs-filters__row">
          {data.schools.length > 1 && <Select name="school" label="School" emptyLabel="Every school" options={data.schools} values={{ school: q.school }} />}
          <Select
            name="year"
            label="Period"
            emptyLabel="The last 12 months"
            options={data.years.map((y) => ({ value: String(y), label: String(y) }))}
            values={{ year: q.year ? String(q.year) : '' }}
          />
          <div className="govuk-form-group">
            <Button secondary>Show</Button>
          </div>
        </div>
      </form>
      <h2 className="govuk-heading-l" data-total="noncompliance">
        Non-compliance: {data.total.toLocaleString('en-GB')} {data.total === 1 ? 'record' : 'records'}
      </h2>
      <p className="govuk-body">
        By role counts each person once: their role in Countersign (the most senior when they hold several), or their job title when they hold none. Groups
        count as Group.
      </p>
      {sections.map((s) => (
        <section key={s.id} aria-labelledby={`h-${s.id}`}>
          <h3 className="govuk-heading-m" id={`h-${s.id}`}>
            {s.heading}
          </h3>
          <BarChart id={s.id} title={s.title} bars={s.bars} categoryHeader={s.header} layout={s.layout} empty={s.empty} />
        </section>
      ))}
      <h2 className="govuk-heading-l" data-total="concerns">
        Concerns reported: {data.concernsTotal.toLocaleString('en-GB')}
      </h2>
      <p className="govuk-body">Only the concerns you may open are counted.</p>
      <section aria-labelledby="h-concerns-by-type">
        <h3 className="govuk-heading-m" id="h-concerns-by-type">
          By type
        </h3>
        <BarChart id="concerns-by-type" title="Concerns by type" bars={data.concernsByType} categoryHeader="Type" empty="No concerns you can open." />
      </section>
      <section aria-labelledby="h-concerns-by-month">
        <h3 className="govuk-heading-m" id="h-concerns-by-month">
          By month
        </h3>
        <BarChart
          id="concerns-by-month"
          title="Concerns by month"
          bars={data.concernsByMonth}
          categoryHeader="Month"
          layout="columns"
          empty="No concerns you can open."
        />
      </section>
    </Layout>
  );
}
