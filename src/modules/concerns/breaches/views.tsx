import type { ReactNode } from 'react';
import type { FieldErrors } from '../../../errors.ts';
import { type Column, InsetText, PagedTable, PageHeading, Paragraphs, SummaryList, type SummaryRow, Tag, WarningText } from '../../../ui/components.tsx';
import { countdown, formatDate, formatDateTime } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, DateInput, ErrorSummary, Form, type FormValues, Radios, Select, Textarea, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { BREACH_DECISIONS } from '../schema.ts';
import type { ConcernRecord } from '../service.ts';
import { CONCERN_STATUSES } from '../types.ts';
import { type BreachForm, type BreachRow, type breachRegister, clockTone, DECISION_FILTERS, type RegisterQuery, type RegisterRow } from './service.ts';

type Full = Extract<ConcernRecord, { limited: false }>;

const ICO_REPORT_URL = 'https://ico.org.uk/for-organisations/report-a-breach/';

const breachPath = (reference: string, form: 'decision' | 'ico' | 'individuals' | 'discovered') => `/concerns/${reference}/breach/${form}`;

/** The clock on the 72-hour deadline: the countdown while undecided (red under 24 hours), green once decided. */
export function DeadlineTag({ breach, now }: { breach: Pick<BreachRow, 'decision' | 'icoDueAt'>; now: Date }) {
  if (breach.decision) return <Tag tone="green">Decided</Tag>;
  return <Tag tone={clockTone(breach.icoDueAt, now)}>{countdown(breach.icoDueAt, now)}</Tag>;
}

/** The ICO report of a reportable breach: the countdown until the reference is recorded. */
function IcoReportTag({ breach, now }: { breach: Pick<BreachRow, 'icoDueAt' | 'icoReference'>; now: Date }) {
  if (breach.icoReference) return <Tag tone="green">Reported</Tag>;
  return <Tag tone={clockTone(breach.icoDueAt, now)}>{countdown(breach.icoDueAt, now)}</Tag>;
}

const multiline = (text: string | null) => (text ? <Paragraphs text={text} /> : '');

function toldValue(b: BreachRow): ReactNode {
  if (b.individualsTold === 'yes')
    return (
      <>
        Yes, on {formatDate(b.individualsToldAt)}
        {b.individualsToldNote && (
          <>
            <br />
            {multiline(b.individualsToldNote)}
          </>
        )}
      </>
    );
  if (b.individualsTold === 'no')
    return (
      <>
        No
        <br />
        {multiline(b.individualsToldNote)}
      </>
    );
  return '';
}

/** The breach facts on the record page: discovery, the ICO countdown, the decision, the ICO reference, individuals told, and the forms to record them. */
export function BreachPanel({ record, now = new Date() }: { record: Full; csrf?: string; now?: Date }) {
  const b = record.breach;
  if (!b) return null;
  const ref = record.concern.reference;
  const decisionEntry = [...record.entries].reverse().find((e) => e.kind === 'decision');
  const openedFrom = record.concern.linkedConcernId ? record.linkedConcerns.find((c) => c.id === record.concern.linkedConcernId) : undefined;
  const rows: SummaryRow[] = [
    { key: 'Found out', value: formatDateTime(b.discoveredAt), action: { href: breachPath(ref, 'discovered'), label: 'Correct' } },
    {
      key: 'ICO deadline',
      value: (
        <>
          {formatDateTime(b.icoDueAt)} <DeadlineTag breach={b} now={now} />
        </>
      ),
    },
    { key: 'Personal data involved', value: multiline(b.dataInvolved) },
    { key: 'People affected', value: b.peopleAffected === null ? '' : `About ${b.peopleAffected.toLocaleString('en-GB')}` },
    {
      key: 'Decision',
      value: b.decision ? BREACH_DECISIONS[b.decision] : <span className="cs-muted">Not decided yet</span>,
    },
  ];
  if (b.decision)
    rows.push(
      { key: 'Reasons for the decision', value: multiline(b.decisionReasons) },
      { key: 'Decided by', value: `${decisionEntry?.authorName ?? 'Not recorded'} on ${formatDateTime(b.decidedAt)}` },
    );
  if (b.decision === 'reportable')
    rows.push({
      key: 'Reported to the ICO',
      value: b.icoReference ? (
        <>
          Reference {b.icoReference}, on {formatDateTime(b.icoNotifiedAt)}
        </>
      ) : (
        <>
          Not yet <IcoReportTag breach={b} now={now} />
        </>
      ),
    });
  rows.push({ key: 'People whose data it was told', value: toldValue(b) });
  return (
    <section className="cs-breach" id="breach" aria-labelledby="breach-heading">
      <h2 className="govuk-heading-m" id="breach-heading">
        Data breach
      </h2>
      {openedFrom && (
        <p className="govuk-body">
          Opened from the lost device report{' '}
          <a className="govuk-link" href={`/concerns/${openedFrom.reference}`}>
            {openedFrom.reference}
          </a>
          .
        </p>
      )}
      <SummaryList rows={rows} />
      <div className="govuk-button-group">
        {!b.decision && (
          <a className="govuk-button" href={breachPath(ref, 'decision')}>
            Record the ICO decision
          </a>
        )}
        {b.decision === 'reportable' && !b.icoReference && (
          <a className="govuk-button" href={breachPath(ref, 'ico')}>
            Record the ICO report
          </a>
        )}
        {b.individualsTold !== 'yes' && (
          <a className="govuk-button govuk-button--secondary" href={breachPath(ref, 'individuals')}>
            Record whether the people were told
          </a>
        )}
      </div>
    </section>
  );
}

const HELD_DATA = { yes: 'Yes', no: 'No', unknown: 'Not known' } as const;

/** The lost or stolen device facts on the record page: kind, crime reference, asset, personal data and the linked breach. */
export function DeviceLossPanel({ record }: { record: Full }) {
  const d = record.device;
  if (!d) return null;
  const breach = d.breachConcernId ? record.linkedConcerns.find((c) => c.id === d.breachConcernId) : undefined;
  return (
    <section className="cs-device-loss" id="device" aria-labelledby="device-heading">
      <h2 className="govuk-heading-m" id="device-heading">
        {d.kind === 'stolen' ? 'Stolen device' : 'Lost device'}
      </h2>
      <SummaryList
        rows={[
          { key: 'Lost or stolen', value: d.kind === 'stolen' ? 'Stolen' : 'Lost' },
          {
            key: 'Police crime reference',
            value: d.crimeReference ?? (d.kind === 'lost' ? <span className="cs-muted">Not needed for a lost device</span> : ''),
          },
          { key: 'Device', value: d.deviceDescription },
          { key: 'Asset tag or serial number', value: d.assetReference ?? '' },
          { key: 'Held personal data', value: HELD_DATA[d.heldPersonalData] },
          {
            key: 'Data breach',
            value: breach ? (
              <>
                <a className="govuk-link" href={`/concerns/${breach.reference}`}>
                  {breach.reference}
                </a>{' '}
                (handled by the data protection lead and officer)
              </>
            ) : d.heldPersonalData === 'yes' ? (
              ''
            ) : (
              <span className="cs-muted">None opened</span>
            ),
          },
        ]}
      />
      {d.heldPersonalData === 'unknown' && (
        <InsetText>
          If it turns out the device held personal data, report a personal data breach so the data protection lead can decide whether the ICO must be told.
        </InsetText>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// The forms

type FormProps = { form: BreachForm; errors?: FieldErrors; values?: FormValues; now?: Date };

function BreachFormLayout({ form, heading, errors, children, now = new Date() }: FormProps & { heading: string; children: ReactNode }) {
  const b = form.breach;
  const hasErrors = !!errors && Object.keys(errors).length > 0;
  return (
    <Layout
      title={`${hasErrors ? 'Error: ' : ''}${heading} – ${form.reference}`}
      breadcrumbs={[
        { href: '/', label: 'Home' },
        { href: '/breaches', label: 'Data breaches' },
        { href: `/concerns/${form.reference}`, label: form.reference },
      ]}
    >
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <PageHeading caption={`Data breach ${form.reference}`}>{heading}</PageHeading>
          <SummaryList
            rows={[
              { key: 'School', value: form.schoolName },
              { key: 'Found out', value: formatDateTime(b.discoveredAt) },
              {
                key: 'ICO deadline',
                value: (
                  <>
                    {formatDateTime(b.icoDueAt)} <DeadlineTag breach={b} now={now} />
                  </>
                ),
              },
            ]}
          />
          {children}
        </div>
      </div>
    </Layout>
  );
}

const back = (form: BreachForm) => `/concerns/${form.reference}#breach`;

export function DecisionPage(props: FormProps) {
  const { form, errors, values } = props;
  const b = form.breach;
  if (b.decision)
    return (
      <BreachFormLayout {...props} heading="The ICO decision">
        <SummaryList
          rows={[
            { key: 'Decision', value: BREACH_DECISIONS[b.decision] },
            { key: 'Reasons', value: multiline(b.decisionReasons) },
            { key: 'Decided by', value: `${form.decidedByName ?? 'Not recorded'} on ${formatDateTime(b.decidedAt)}` },
          ]}
        />
        {errors?.decision && <p className="govuk-error-message">{errors.decision}</p>}
        <p className="govuk-body">
          A decision cannot be changed once it is recorded. If it was wrong, add a correction to the record’s chronology that names the decision and says why:
          the chronology keeps both.
        </p>
        <p className="govuk-body">
          <a className="govuk-link" href={back(form)}>
            Back to {form.reference}
          </a>
        </p>
      </BreachFormLayout>
    );
  return (
    <BreachFormLayout {...props} heading="Record the ICO decision">
      <p className="govuk-body">
        Decide whether this breach must be reported to the Information Commissioner’s Office (ICO). It must be reported, within 72 hours of being found out,
        unless it is unlikely to result in a risk to people’s rights and freedoms.
      </p>
      <Form action={breachPath(form.reference, 'decision')}>
        <Radios
          name="decision"
          label="Must it be reported to the ICO?"
          options={[
            {
              value: 'reportable',
              label: BREACH_DECISIONS.reportable,
              hint: 'There is a risk to people, for example of fraud, distress, discrimination or harm. Report it on the ICO’s website, then record their reference here.',
            },
            {
              value: 'not_reportable',
              label: BREACH_DECISIONS.not_reportable,
              hint: 'It is unlikely to result in a risk to anyone. The breach stays in the register with your reasons.',
            },
          ]}
          errors={errors}
          values={values}
        />
        <Textarea
          name="reasons"
          label="Your reasons"
          hint="The ICO asks for your reasons, including for a decision not to report: what data, how many people, how likely and how serious any harm is, what has been done to contain it."
          rows={6}
          errors={errors}
          values={values}
        />
        <WarningText>
          The decision cannot be changed once it is recorded. If it turns out to be wrong, you add a correction to the chronology, saying why.
        </WarningText>
        <p className="govuk-body">
          When you record it, the decision and your reasons are added to the chronology of {form.reference} with your name and the time, and the data protection
          officer stops being reminded about the deadline.
        </p>
        <ButtonGroup>
          <Button>Record the decision</Button>
          <CancelLink href={back(form)} />
        </ButtonGroup>
      </Form>
    </BreachFormLayout>
  );
}

export function IcoPage(props: FormProps) {
  const { form, errors, values } = props;
  const b = form.breach;
  if (b.decision !== 'reportable' || b.icoReference)
    return (
      <BreachFormLayout {...props} heading="Record the ICO report">
        {errors?.icoReference && <p className="govuk-error-message">{errors.icoReference}</p>}
        {b.icoReference ? (
          <p className="govuk-body">
            It was reported to the ICO on {formatDateTime(b.icoNotifiedAt)}, reference {b.icoReference}. If that is wrong, add a correction to the chronology.
          </p>
        ) : b.decision === 'not_reportable' ? (
          <p className="govuk-body">The decision recorded is that this breach is not reportable to the ICO.</p>
        ) : (
          <InsetText>
            Record the decision that this breach must be reported first.{' '}
            <a className="govuk-link" href={breachPath(form.reference, 'decision')}>
              Record the ICO decision
            </a>
          </InsetText>
        )}
        <p className="govuk-body">
          <a className="govuk-link" href={back(form)}>
            Back to {form.reference}
          </a>
        </p>
      </BreachFormLayout>
    );
  return (
    <BreachFormLayout {...props} heading="Record the ICO report">
      <p className="govuk-body">
        Report the breach on the{' '}
        <a className="govuk-link" href={ICO_REPORT_URL} rel="noopener noreferrer">
          ICO’s website (opens the ICO’s breach reporting page)
        </a>
        , then record the reference they give you here.
      </p>
      <Form action={breachPath(form.reference, 'ico')}>
        <TextInput name="icoReference" label="ICO reference" hint="As shown by the ICO when you reported it" width="20" errors={errors} values={values} />
        <DateInput name="reportedOn" label="Date it was reported to the ICO" hint="For example, 27 3 2026" errors={errors} values={values} />
        <TextInput name="reportedTime" label="Time it was reported" hint="In the 24-hour clock, for example 14:30" width="5" errors={errors} values={values} />
        <Textarea
          name="delayReasons"
          label="Reasons for the delay (only if it was reported after the deadline)"
          hint={`The deadline was ${formatDateTime(b.icoDueAt)}. The law asks for the reasons when a report is later than 72 hours.`}
          rows={4}
          errors={errors}
          values={values}
        />
        <WarningText>This cannot be changed once it is recorded. If it turns out to be wrong, you add a correction to the chronology.</WarningText>
        <p className="govuk-body">The ICO reference and the time are added to the chronology of {form.reference} and to the breach register.</p>
        <ButtonGroup>
          <Button>Record the ICO report</Button>
          <CancelLink href={back(form)} />
        </ButtonGroup>
      </Form>
    </BreachFormLayout>
  );
}

export function IndividualsPage(props: FormProps) {
  const { form, errors, values } = props;
  const b = form.breach;
  if (b.individualsTold === 'yes')
    return (
      <BreachFormLayout {...props} heading="Were the people told?">
        {errors?.told && <p className="govuk-error-message">{errors.told}</p>}
        <p className="govuk-body">The people whose data it was were told on {formatDate(b.individualsToldAt)}.</p>
        <p className="govuk-body">
          <a className="govuk-link" href={back(form)}>
            Back to {form.reference}
          </a>
        </p>
      </BreachFormLayout>
    );
  return (
    <BreachFormLayout {...props} heading="Were the people whose data it was told?">
      <p className="govuk-body">
        When a breach is likely to result in a high risk to people, they must be told without undue delay, in plain words: what happened, what is likely to
        happen, what you have done and who to contact.
      </p>
      {b.individualsTold === 'no' && (
        <InsetText>It was recorded that they have not been told: {b.individualsToldNote}. If they have been told since, record it below.</InsetText>
      )}
      <Form action={breachPath(form.reference, 'individuals')}>
        <Radios
          name="told"
          label="Have they been told?"
          options={[
            { value: 'yes', label: 'Yes', hint: 'Give the date below' },
            { value: 'no', label: 'No', hint: 'Give the reasons below, for example the risk to them is not high, or the data was encrypted' },
          ]}
          errors={errors}
          values={values}
        />
        <DateInput name="toldOn" label="If yes: the date they were told" hint="For example, 27 3 2026" errors={errors} values={values} />
        <Textarea
          name="note"
          label="If yes, how they were told (optional). If no, why not"
          hint="For example: letter to each family on 27 March; or the laptop was encrypted so the risk is low"
          rows={4}
          errors={errors}
          values={values}
        />
        <p className="govuk-body">
          This is added to the chronology of {form.reference}. A “yes” cannot be changed later; if it is wrong, you add a correction to the chronology.
        </p>
        <ButtonGroup>
          <Button>Record it</Button>
          <CancelLink href={back(form)} />
        </ButtonGroup>
      </Form>
    </BreachFormLayout>
  );
}

export function DiscoveredPage(props: FormProps) {
  const { form, errors, values } = props;
  return (
    <BreachFormLayout {...props} heading="Correct when the breach was found out">
      <p className="govuk-body">
        The 72 hours to tell the ICO run from when the breach was found out. Correct it if it was found out earlier or later than recorded (it cannot be before
        it happened, {formatDateTime(form.occurredAt)}).
      </p>
      <Form action={breachPath(form.reference, 'discovered')}>
        <DateInput name="discoveredOn" label="Date it was found out" hint="For example, 27 3 2026" errors={errors} values={values} />
        <TextInput
          name="discoveredTime"
          label="Time it was found out"
          hint="In the 24-hour clock, for example 14:30"
          width="5"
          errors={errors}
          values={values}
        />
        <Textarea
          name="reason"
          label="Why it is being corrected"
          hint="For example: the office found the email on Monday morning"
          rows={4}
          errors={errors}
          values={values}
        />
        <WarningText>
          The ICO deadline moves to 72 hours after the new time. The time recorded now, the new time and your reason stay in the chronology.
        </WarningText>
        <ButtonGroup>
          <Button>Correct the time</Button>
          <CancelLink href={back(form)} />
        </ButtonGroup>
      </Form>
    </BreachFormLayout>
  );
}

// ---------------------------------------------------------------------------------------------
// The register

type Register = Awaited<ReturnType<typeof breachRegister>>;

/** The register's address with its filters and page, for links and the CSV. */
export function registerHref(q: Partial<RegisterQuery>, path = '/breaches') {
  const params = new URLSearchParams();
  if (q.decision) params.set('decision', q.decision);
  if (q.year) params.set('year', String(q.year));
  if (q.school) params.set('school', q.school);
  if (q.page && q.page > 1) params.set('page', String(q.page));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

export const toldLabel = (r: Pick<RegisterRow, 'individualsTold' | 'individualsToldAt'>) =>
  r.individualsTold === 'yes' ? `Yes, ${formatDate(r.individualsToldAt)}` : r.individualsTold === 'no' ? 'No' : 'Not recorded';

export function RegisterPage({ data, now }: { data: Register; now: Date }) {
  const q = data.query;
  const columns: Column<RegisterRow>[] = [
    {
      header: 'Reference',
      cell: (r) => (
        <a className="govuk-link" href={`/concerns/${r.reference}`}>
          {r.reference}
        </a>
      ),
    },
    { header: 'School', cell: (r) => r.schoolName },
    { header: 'Found out', cell: (r) => formatDateTime(r.discoveredAt) },
    {
      header: 'ICO deadline',
      cell: (r) =>
        r.decision ? (
          <Tag tone="green">Decided</Tag>
        ) : (
          <>
            {formatDateTime(r.icoDueAt)}
            <br />
            <DeadlineTag breach={r} now={now} />
          </>
        ),
    },
    { header: 'Decision', cell: (r) => (r.decision ? DECISION_FILTERS[r.decision] : <span className="cs-muted">Not decided yet</span>) },
    {
      header: 'ICO reference',
      cell: (r) =>
        r.icoReference ? (
          <>
            {r.icoReference}
            <br />
            <span className="govuk-body-s">{formatDate(r.icoNotifiedAt)}</span>
          </>
        ) : r.decision === 'reportable' ? (
          <Tag tone={clockTone(r.icoDueAt, now)}>Not reported yet</Tag>
        ) : (
          ''
        ),
    },
    { header: 'People told', cell: toldLabel },
    { header: 'Status', cell: (r) => <Tag tone={CONCERN_STATUSES[r.status].tone}>{CONCERN_STATUSES[r.status].label}</Tag> },
  ];
  return (
    <Layout title="Data breaches" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading
        actions={
          data.total > 0 ? (
            <a className="govuk-button govuk-button--secondary" href={registerHref({ ...q, page: 1 }, '/breaches.csv')}>
              Download as CSV
            </a>
          ) : undefined
        }
      >
        Data breaches
      </PageHeading>
      <p className="govuk-body">
        Every personal data breach is recorded here, whether or not it was reported to the ICO, with the decision and its reasons. New breaches are reported
        with{' '}
        <a className="govuk-link" href="/concerns/new/data_breach">
          Report a concern
        </a>
        .
      </p>
      <form method="get" action="/breaches" className="cs-filters" role="search" aria-label="Filter data breaches">
        <div className="cs-filters__row">
          <Select
            name="decision"
            label="Decision"
            emptyLabel="Any"
            options={Object.entries(DECISION_FILTERS).map(([value, label]) => ({ value, label }))}
            values={{ decision: q.decision }}
          />
          <Select
            name="year"
            label="Year found out"
            emptyLabel="Any year"
            options={data.options.years.map((y) => ({ value: String(y), label: String(y) }))}
            values={{ year: q.year ? String(q.year) : undefined }}
          />
          {data.options.schools.length > 1 && (
            <Select
              name="school"
              label="School"
              emptyLabel="All schools"
              options={data.options.schools.map((s) => ({ value: s.id, label: s.name }))}
              values={{ school: q.school }}
            />
          )}
          <div className="govuk-form-group">
            <Button secondary>Show</Button>
          </div>
        </div>
        <p className="govuk-body-s">
          <a className="govuk-link" href="/breaches">
            Clear filters
          </a>
        </p>
      </form>
      <PagedTable
        caption="Data breaches"
        columns={columns}
        rows={data.rows}
        rowKey={(r) => r.id}
        empty={q.decision || q.year || q.school ? 'No breaches match these filters.' : 'No data breaches have been recorded.'}
        paging={{ page: q.page, pageSize: data.pageSize, total: data.total, noun: ['breach', 'breaches'], href: (page) => registerHref({ ...q, page }) }}
      />
    </Layout>
  );
}
