import type { ReactNode } from 'react';
import type { FieldErrors } from '../../../errors.ts';
import { type Column, InsetText, PageHeading, SummaryList, Table, Tag, WarningText } from '../../../ui/components.tsx';
import { formatDate, formatDateTime, londonToday } from '../../../ui/format.ts';
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
} from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { roleLabel } from '../../organisations/roles.ts';
import { CONCERN_PARTS } from '../schema.ts';
import type { myReports } from '../service.ts';
import { ATTACHMENT_TYPES, MAX_ATTACHMENTS, PERSON_ROWS } from '../service.ts';
import { CONCERN_STATUSES, CONCERN_TYPE_CODES, CONCERN_TYPES, CONFIDENTIALITY, type ConcernType, type ConcernTypeCode, typeLabel } from '../types.ts';
import type { Coverage, ReceivedReport, ReportForm, RoutingOverview } from './service.ts';

const REPORT_CRUMBS = [{ href: '/', label: 'Home' }];

/** The choice of type, grouped the way staff think about it. */
const GROUPS: [ConcernType['group'], string][] = [
  ['safeguarding', 'Keeping children safe online'],
  ['data', 'Personal data'],
  ['devices', 'Devices, accounts and equipment'],
  ['conduct', 'A member of staff'],
];

function ImmediateDanger() {
  return <WarningText>If a child is in immediate danger, call 999 now and tell the DSL in person straight away. Then report it here.</WarningText>;
}

/** Page 1: what are you reporting? One question, radios grouped by kind, each saying where it goes. */
export function ChooseTypePage({ errors, chosen }: { errors?: FieldErrors; chosen?: string }) {
  const error = errors?.type;
  let first = true;
  return (
    <Layout title={`${error ? 'Error: ' : ''}What are you reporting?`} breadcrumbs={REPORT_CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <ImmediateDanger />
          <Form action="/concerns/new">
            <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
              <fieldset className="govuk-fieldset" aria-describedby={error ? `${fieldId('type')}-error` : undefined}>
                <legend className="govuk-fieldset__legend govuk-fieldset__legend--l">
                  <span className="govuk-caption-l">Report a concern</span>
                  <h1 className="govuk-fieldset__heading">What are you reporting?</h1>
                </legend>
                {error && (
                  <p className="govuk-error-message" id={`${fieldId('type')}-error`}>
                    <span className="govuk-visually-hidden">Error:</span> {error}
                  </p>
                )}
                {GROUPS.map(([group, heading]) => (
                  <div key={group}>
                    <h2 className="govuk-heading-s govuk-!-margin-top-6 govuk-!-margin-bottom-3">{heading}</h2>
                    <div className="govuk-radios" data-module="govuk-radios">
                      {CONCERN_TYPE_CODES.filter((code) => CONCERN_TYPES[code].group === group).map((code) => {
                        const spec = CONCERN_TYPES[code];
                        // The first radio carries the field's id, so the error summary's link lands on it.
                        const id = first ? fieldId('type') : `${fieldId('type')}-${code}`;
                        first = false;
                        return (
                          <div className="govuk-radios__item" key={code}>
                            <input
                              className="govuk-radios__input"
                              id={id}
                              name="type"
                              type="radio"
                              value={code}
                              defaultChecked={chosen === code}
                              aria-describedby={`${id}-item-hint`}
                            />
                            <label className="govuk-label govuk-radios__label" htmlFor={id}>
                              {spec.label}
                            </label>
                            <div id={`${id}-item-hint`} className="govuk-hint govuk-radios__hint">
                              {spec.hint}
                              <br />
                              Goes to: {spec.routedTo}.
                            </div>
                          </div>
                        );
                      })}
                    </div>
                  </div>
                ))}
              </fieldset>
            </div>
            <Button>Continue</Button>
          </Form>
          <p className="govuk-body">
            <a className="govuk-link" href="/concerns/mine">
              Your reports
            </a>
            : the status of what you have reported before.
          </p>
        </div>
      </div>
    </Layout>
  );
}

/** The form's fields in page order, so the error summary lists problems top to bottom. */
const FIELD_ORDER = [
  'type',
  'what',
  'occurredOn',
  'occurredTime',
  'location',
  'schoolId',
  'discoveredOn',
  'discoveredTime',
  'dataInvolved',
  'peopleAffected',
  'lossKind',
  'crimeReference',
  'deviceDescription',
  'assetReference',
  'heldPersonalData',
  ...PERSON_ROWS.flatMap((n) => [`person${n}`, `part${n}`]),
  'othersInvolved',
  'attachments',
];
export function inPageOrder(errors: FieldErrors | undefined): FieldErrors | undefined {
  if (!errors) return errors;
  const rank = (k: string) => (FIELD_ORDER.includes(k) ? FIELD_ORDER.indexOf(k) : FIELD_ORDER.length);
  return Object.fromEntries(Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b)));
}

const DIRECTORY_LIST = 'concern-directory';

/** A person from the directory: a text box offering "Full Name (email)" as you type, and their part. */
function PersonRow({ n, label, errors, values, defaultPart }: { n: number; label: string; errors?: FieldErrors; values?: FormValues; defaultPart?: string }) {
  const name = `person${n}`;
  return (
    <div className="govuk-grid-row">
      <div className="govuk-grid-column-two-thirds">
        <TextInput
          name={name}
          label={label}
          list={DIRECTORY_LIST}
          autoComplete="off"
          spellCheck={false}
          describedBy={`${fieldId('people')}-hint`}
          errors={errors}
          values={values}
        />
      </div>
      <div className="govuk-grid-column-one-third">
        <Select
          name={`part${n}`}
          label="Their part"
          emptyLabel="Choose"
          options={Object.entries(CONCERN_PARTS).map(([value, text]) => ({ value, label: text }))}
          errors={errors}
          values={{ [`part${n}`]: values?.[`part${n}`] ?? defaultPart ?? '' }}
        />
      </div>
    </div>
  );
}

/** Several files at once (the shared FileUpload takes one). */
function AttachmentsField({ errors, dropped }: { errors?: FieldErrors; dropped: number }) {
  const name = 'attachments';
  const error = errors?.[name];
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <label className="govuk-label govuk-label--s" htmlFor={fieldId(name)}>
        Attach files (optional)
      </label>
      <div className="govuk-hint" id={`${fieldId(name)}-hint`}>
        Up to {MAX_ATTACHMENTS} files, 5 MB each: {ATTACHMENT_TYPES}. For example, a screenshot of a message or a saved email. A fingerprint of each file
        (SHA-256) is recorded so it can be shown not to have changed.
        {dropped > 0 && (
          <>
            {' '}
            <strong>Choose your {dropped === 1 ? 'file' : 'files'} again: files are only kept once the report is sent.</strong>
          </>
        )}
      </div>
      {error && (
        <p className="govuk-error-message" id={`${fieldId(name)}-error`}>
          <span className="govuk-visually-hidden">Error:</span> {error}
        </p>
      )}
      <input
        className={`govuk-file-upload${error ? ' govuk-file-upload--error' : ''}`}
        id={fieldId(name)}
        name={name}
        type="file"
        multiple
        accept="application/pdf,image/jpeg,image/png,image/gif,image/webp,image/heic,.heic,text/plain,.txt,.eml"
        aria-describedby={`${fieldId(name)}-hint${error ? ` ${fieldId(name)}-error` : ''}`}
      />
    </div>
  );
}

/** "For example, 27 3 2026" with today's date, so the boxes' order is clear. */
const dateExample = () => {
  const [y, m, d] = londonToday().split('-');
  return `For example, ${Number(d)} ${Number(m)} ${y}`;
};

function Section({ heading, children }: { heading: string; children: ReactNode }) {
  return (
    <>
      <h2 className="govuk-heading-m govuk-!-margin-top-6">{heading}</h2>
      {children}
    </>
  );
}

/** Page 2: the details of one type of report, short enough to fill in on a phone in a minute. */
export function ReportFormPage({
  type,
  form,
  errors,
  values,
  dropped = 0,
}: {
  type: ConcernTypeCode;
  form: ReportForm;
  errors?: FieldErrors;
  values?: FormValues;
  /** How many files were sent with a report that was refused (they must be chosen again). */
  dropped?: number;
}) {
  const spec = CONCERN_TYPES[type];
  const ordered = inPageOrder(errors);
  const example = dateExample();
  const aboutStaff = !!spec.needsSubject;
  return (
    <Layout
      title={`${errors && Object.keys(errors).length ? 'Error: ' : ''}${spec.label}`}
      breadcrumbs={[...REPORT_CRUMBS, { href: '/concerns/new', label: 'Report a concern' }]}
    >
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={ordered} />
          <PageHeading caption="Report a concern">{spec.label}</PageHeading>
          <p className="govuk-body">
            Goes to: {spec.routedTo}.{' '}
            <a className="govuk-link" href={`/concerns/new?from=${type}`}>
              Change what you are reporting
            </a>
          </p>
          {spec.group === 'safeguarding' && spec.confidentiality === 'safeguarding' && <ImmediateDanger />}
          <Form action={`/concerns/new/${type}`} multipart>
            <Textarea
              name="what"
              label="What did you see or hear?"
              hint="Stick to the facts: what happened, in order. Use full names, not initials. Write down what was said in the words used."
              rows={6}
              errors={errors}
              values={values}
            />
            <DateInput name="occurredOn" label="When did it happen?" hint={example} errors={errors} values={values} />
            <TextInput name="occurredTime" label="Time (optional)" hint="24-hour, like 14:30" width="5" errors={errors} values={values} />
            <TextInput
              name="location"
              label="Where did it happen? (optional)"
              hint="For example, Room 12, the library, or online: the class group chat"
              errors={errors}
              values={values}
            />
            {form.schools && (
              <Select
                name="schoolId"
                label="Which school did it happen at?"
                emptyLabel="Choose a school"
                options={form.schools.map((s) => ({ value: s.id, label: s.name }))}
                errors={errors}
                values={values}
              />
            )}

            {type === 'data_breach' && (
              <Section heading="About the breach">
                <InsetText>
                  The trust has 72 hours from when a breach was found out to tell the ICO. Send this now, even if you do not know everything yet.
                </InsetText>
                <DateInput name="discoveredOn" label="When was it found out?" hint={example} errors={errors} values={values} />
                <TextInput name="discoveredTime" label="Time (optional)" hint="24-hour, like 14:30" width="5" errors={errors} values={values} />
                <Textarea
                  name="dataInvolved"
                  label="What personal data was involved?"
                  hint="For example, names and dates of birth of a year 9 class. Describe it: do not copy the data itself here."
                  rows={3}
                  errors={errors}
                  values={values}
                />
                <TextInput
                  name="peopleAffected"
                  label="Roughly how many people's data? (optional)"
                  inputMode="numeric"
                  width="5"
                  errors={errors}
                  values={values}
                />
              </Section>
            )}

            {type === 'device_lost' && (
              <Section heading="About the device">
                <Radios
                  name="lossKind"
                  label="Was it lost or stolen?"
                  inline
                  options={[
                    { value: 'lost', label: 'Lost' },
                    { value: 'stolen', label: 'Stolen' },
                  ]}
                  errors={errors}
                  values={values}
                />
                <TextInput
                  name="crimeReference"
                  label="Police crime reference number"
                  hint="Required if it was stolen: report a theft to the police on 101 first."
                  width="20"
                  spellCheck={false}
                  errors={errors}
                  values={values}
                />
                <TextInput
                  name="deviceDescription"
                  label="What is the device?"
                  hint='For example, "Dell laptop, grey case" or "school iPad"'
                  errors={errors}
                  values={values}
                />
                <TextInput
                  name="assetReference"
                  label="Asset tag or serial number (optional)"
                  hint="On the label of a school device"
                  width="20"
                  spellCheck={false}
                  errors={errors}
                  values={values}
                />
                <Radios
                  name="heldPersonalData"
                  label="Did it hold personal data?"
                  hint="For example, pupils' records, photos or emails saved on it, or an account left signed in. If it did, a data breach report is opened for the DPO at the same time."
                  options={[
                    { value: 'yes', label: 'Yes' },
                    { value: 'no', label: 'No' },
                    { value: 'unknown', label: 'Not sure' },
                  ]}
                  errors={errors}
                  values={values}
                />
              </Section>
            )}

            <Section heading={aboutStaff ? 'Who is it about?' : 'Who was involved? (optional)'}>
              <div className="govuk-hint" id={`${fieldId('people')}-hint`}>
                {aboutStaff
                  ? 'Name the member of staff it is about as "The report is about them", then anyone else. They are not told about your report and cannot see it.'
                  : 'Staff and others in the directory: start typing and choose their full name from the list.'}
              </div>
              <DirectoryList id={DIRECTORY_LIST} people={form.directory} />
              {PERSON_ROWS.map((n) => (
                <PersonRow
                  key={n}
                  n={n}
                  label={n === 1 && aboutStaff ? 'The member of staff it is about' : `Person ${n}`}
                  defaultPart={n === 1 && aboutStaff ? 'subject' : undefined}
                  errors={errors}
                  values={values}
                />
              ))}
              <Textarea
                name="othersInvolved"
                label="Anyone else involved (pupils, visitors): full names"
                hint="For pupils, add their year group or class."
                rows={3}
                errors={errors}
                values={values}
              />
            </Section>

            {spec.attachments ? (
              <AttachmentsField errors={errors} dropped={dropped} />
            ) : (
              <>
                {errors?.attachments && (
                  <p className="govuk-error-message" id={fieldId('attachments')}>
                    <span className="govuk-visually-hidden">Error:</span> {errors.attachments}
                  </p>
                )}
                <WarningText>
                  Do not copy, screenshot, forward or attach it: that can be a crime and it spoils the evidence. Leave the device as it is, and tell the DSL
                  where it is.
                </WarningText>
              </>
            )}

            <ButtonGroup>
              <Button>Send the report</Button>
              <CancelLink href="/" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

/** What happens next, in plain words, for each type. */
function nextSteps(r: ReceivedReport): string[] {
  const steps: string[] = [];
  switch (r.type) {
    case 'illegal_content':
      steps.push('Leave the device as it is. Do not open, copy, screenshot or forward the content, and do not show it to anyone.');
      steps.push('The DSL team decides what to do, which may include calling the police. They may ask you for more details.');
      break;
    case 'harmful_content':
    case 'pupil_contact':
    case 'cyberbullying':
    case 'home_learning':
      steps.push('The DSL team decides what to do and may ask you for more details. Do not investigate it yourself or discuss it with the people involved.');
      break;
    case 'data_breach':
      steps.push(
        'The DPO decides, within 72 hours of when it was found out, whether it must be reported to the ICO. If you can limit the harm (recall an email, ask someone to delete what they were sent), do it now and tell the DPL what you did.',
      );
      break;
    case 'device_lost':
      steps.push('IT services may be able to lock or wipe the device. If you find it, tell them straight away and quote the reference.');
      break;
    case 'cyber_security':
      steps.push('Do what IT services tell you. Do not delete the suspicious email or message: they may need it.');
      break;
    case 'staff_conduct':
      steps.push('The person it is about is not told by Countersign and cannot see your report. Do not discuss it with them.');
      break;
    case 'safeguard_failure':
      steps.push('IT services check and fix the safeguard, and the DSL decides whether anyone was put at risk.');
      break;
    case 'damage_fault':
      steps.push('IT services arrange a repair or replacement. Stop using the equipment if it is not safe.');
      break;
  }
  return steps;
}

/** Page 3: the report was received: its reference and what happens next. */
export function ReceivedPage({ report }: { report: ReceivedReport }) {
  const spec = CONCERN_TYPES[report.type];
  const sentTo = report.recipientNames.length ? `${spec.routedTo}: ${report.recipientNames.join(', ')}` : spec.routedTo;
  const status = CONCERN_STATUSES[report.status];
  return (
    <Layout title="Report received" breadcrumbs={[...REPORT_CRUMBS, { href: '/concerns/mine', label: 'Your reports' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <div className="govuk-panel govuk-panel--confirmation">
            <h1 className="govuk-panel__title">Report received</h1>
            <div className="govuk-panel__body">
              {report.isReporter ? 'Your reference is' : 'The reference is'}
              <br />
              <strong>{report.reference}</strong>
            </div>
          </div>
          <SummaryList
            rows={[
              { key: 'Report', value: spec.label },
              { key: 'School', value: report.schoolName },
              { key: 'Reported', value: formatDateTime(report.createdAt) },
              { key: 'Sent to', value: sentTo },
              { key: 'Status', value: <Tag tone={status.tone}>{status.label}</Tag> },
            ]}
          />
          {report.linked.map((l) => (
            <InsetText key={l.reference}>
              Because the device held personal data, a {typeLabel(l.type).toLowerCase()} report has been opened too: <strong>{l.reference}</strong>. It has gone
              to the school's DPL and the trust's DPO.
            </InsetText>
          ))}
          <h2 className="govuk-heading-m">What happens next</h2>
          <p className="govuk-body">
            {report.urgent ? 'They have been emailed now.' : 'They will see it in their daily summary of new reports.'} The email only says that there is a
            report and links to it: it does not carry what you wrote.
          </p>
          {nextSteps(report).map((s) => (
            <p className="govuk-body" key={s}>
              {s}
            </p>
          ))}
          <p className="govuk-body">If you learn anything more, tell them and quote {report.reference}.</p>
          <p className="govuk-body">
            You can follow its status, but not what is done about it, in{' '}
            <a className="govuk-link" href="/concerns/mine">
              your reports
            </a>
            .
          </p>
          <p className="govuk-body">
            <a className="govuk-link" href="/concerns/new">
              Report something else
            </a>
          </p>
        </div>
      </div>
    </Layout>
  );
}

type MyReport = Awaited<ReturnType<typeof myReports>>[number];

/** The reporter's own reports: reference, type, date and status. Never the chronology. */
export function MyReportsPage({ reports }: { reports: MyReport[] }) {
  const columns: Column<MyReport>[] = [
    {
      header: 'Reference',
      cell: (r) => (
        <a className="govuk-link" href={`/concerns/${r.reference}`}>
          {r.reference}
        </a>
      ),
    },
    { header: 'Report', cell: (r) => typeLabel(r.type) },
    { header: 'Reported', cell: (r) => formatDate(r.createdAt) },
    {
      header: 'Status',
      cell: (r) => {
        const s = CONCERN_STATUSES[r.status];
        return <Tag tone={s.tone}>{s.label}</Tag>;
      },
    },
  ];
  return (
    <Layout title="Your reports" breadcrumbs={REPORT_CRUMBS}>
      <PageHeading
        actions={
          <a href="/concerns/new" className="govuk-button" data-module="govuk-button">
            Report a concern
          </a>
        }
      >
        Your reports
      </PageHeading>
      <p className="govuk-body">
        What you have reported, newest first. You can see each report's status. What is done about it stays with the people it went to.
      </p>
      <Table caption="Your reports" columns={columns} rows={reports} rowKey={(r) => r.id} empty="You have not reported anything yet." />
    </Layout>
  );
}

/** Roles whose absence routing covers another way (types.ts), said plainly on the coverage table. */
const WHEN_NOBODY: Partial<Record<string, string>> = {
  slt: 'The head teacher is told instead.',
  deputy_head: 'Reports about staff go to the head teacher.',
  head_teacher: "Lost devices go to IT services only, and reports about staff to the trust's HR lead.",
};

function CoverageCell({ c }: { c: Coverage }) {
  if (c.here.length) return <>{c.here.join(', ')}</>;
  if (c.trust.length) return <>No one at the school: {c.trust.join(', ')} for the trust</>;
  return (
    <>
      <Tag tone="red">No one</Tag> {WHEN_NOBODY[c.role] ?? 'Give someone this role at the school or for the trust.'}
    </>
  );
}

/** The routing table, readable by an administrator, and who holds each role today. */
export function RoutingPage({ overview, canManageRoles }: { overview: RoutingOverview; canManageRoles: boolean }) {
  type Row = RoutingOverview['types'][number];
  const columns: Column<Row>[] = [
    { header: 'Report', cell: (r) => r.label },
    {
      header: 'Who is told',
      cell: (r) => (
        <>
          <strong>{r.routedTo}</strong>
          <ul className="govuk-list govuk-list--bullet govuk-body-s govuk-!-margin-top-2">
            {r.rules.map((rule) => (
              <li key={rule}>{rule}</li>
            ))}
          </ul>
        </>
      ),
    },
    { header: 'When', cell: (r) => (r.urgent ? <Tag tone="red">Emailed at once</Tag> : <Tag tone="grey">Daily summary</Tag>) },
    { header: 'Who can open it', cell: (r) => `${CONFIDENTIALITY[r.confidentiality].label}, and the people it was sent or assigned to` },
    { header: 'Attachments', cell: (r) => (r.attachments ? 'Allowed' : 'Not allowed: the evidence stays on the device') },
  ];
  return (
    <Layout title="Who reports go to" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading caption="Concerns">Who reports go to</PageHeading>
      <p className="govuk-body">
        When someone reports a concern, Countersign tells the people below at the school where it happened. If the school has no one in a role, whoever holds
        that role for the whole trust is told. The person reporting, anyone the report is about and anyone who has left (their end date has come) are never sent
        it.
      </p>
      <p className="govuk-body">Emails only say that there is a report and link to it. They never carry what was reported or who it is about.</p>
      <Table caption="Who each type of report goes to" columns={columns} rows={overview.types} rowKey={(r) => r.code} />

      <h2 className="govuk-heading-l govuk-!-margin-top-6">Who holds these roles now</h2>
      <p className="govuk-body">
        Check that every school has someone in each role, so no report goes unseen.
        {canManageRoles && (
          <>
            {' '}
            <a className="govuk-link" href="/roles">
              Change who holds a role
            </a>
            .
          </>
        )}
      </p>
      {overview.schools.map((s) => (
        <section key={s.id} aria-labelledby={`roles-${s.id}`}>
          <h3 className="govuk-heading-m" id={`roles-${s.id}`}>
            {s.name}
          </h3>
          {s.unreached.length > 0 && (
            <WarningText>
              {`At ${s.name}, no one holds the roles these reports go to: ${s.unreached.map((code) => CONCERN_TYPES[code].label.toLowerCase()).join('; ')}. Give someone the role at the school or for the trust.`}
            </WarningText>
          )}
          <Table
            caption={`Role holders at ${s.name}`}
            columns={[
              { header: 'Role', cell: (c: Coverage) => roleLabel(c.role) },
              { header: 'Who is told', cell: (c: Coverage) => <CoverageCell c={c} /> },
            ]}
            rows={s.coverage}
            rowKey={(c) => c.role}
          />
        </section>
      ))}
      <section aria-labelledby="roles-trust">
        <h3 className="govuk-heading-m" id="roles-trust">
          For the whole trust
        </h3>
        <Table
          caption="Trust-wide role holders"
          columns={[
            { header: 'Role', cell: (r: RoutingOverview['trustRoles'][number]) => roleLabel(r.role) },
            {
              header: 'Who is told',
              cell: (r: RoutingOverview['trustRoles'][number]) =>
                r.holders.length ? (
                  r.holders.join(', ')
                ) : (
                  <>
                    <Tag tone="red">No one</Tag>
                    {r.role === 'hr_lead'
                      ? ` Reports about staff that no one at the school can take go to the trust administrators${overview.trustAdmins.length ? ` (${overview.trustAdmins.join(', ')})` : ''}.`
                      : ''}
                  </>
                ),
            },
          ]}
          rows={overview.trustRoles}
          rowKey={(r) => r.role}
        />
      </section>
    </Layout>
  );
}
