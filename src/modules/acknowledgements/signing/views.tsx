import type { FieldErrors } from '../../../errors.ts';
import { InsetText, SummaryList, type SummaryRow, Tag, WarningText } from '../../../ui/components.tsx';
import { formatDate, formatDateTime } from '../../../ui/format.ts';
import {
  Button,
  ButtonGroup,
  CancelLink,
  DateInput,
  ErrorSummary,
  FileUpload,
  Form,
  type FormValues,
  fieldId,
  Textarea,
  TextInput,
} from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { PolicyDocument } from '../../policies/views/document.tsx';
import type { AcknowledgementRow } from '../chain.ts';
import type { SigningState } from '../service.ts';
import { dueCountdown, dueTone, type MyAgreements, type PaperView, type SigningPageView } from './service.ts';

/** A due date's plain countdown as a tag: red overdue, orange due within a week, grey later. */
export function DueTag({ dueOn, today }: { dueOn: string; today: string }) {
  return <Tag tone={dueTone(dueOn, today)}>{dueCountdown(dueOn, today)}</Tag>;
}

const certificateHref = (ackId: string) => `/certificates/${ackId}.pdf`;

/** One agreement as a GOV.UK summary card: reads well on a phone, where a table would not fit. */
function AgreementCard({ title, rows, actions }: { title: string; rows: SummaryRow[]; actions: { href: string; label: string; primary?: boolean }[] }) {
  return (
    <div className="govuk-summary-card">
      <div className="govuk-summary-card__title-wrapper">
        <h3 className="govuk-summary-card__title">{title}</h3>
        <ul className="govuk-summary-card__actions">
          {actions.map((a) => (
            <li className="govuk-summary-card__action" key={a.href}>
              <a className={`govuk-link${a.primary ? ' govuk-!-font-weight-bold' : ''}`} href={a.href}>
                {a.label}
                <span className="govuk-visually-hidden"> ({title})</span>
              </a>
            </li>
          ))}
        </ul>
      </div>
      <div className="govuk-summary-card__content">
        <SummaryList rows={rows} />
      </div>
    </div>
  );
}

const recordActions = (ackId: string) => [
  { href: `/acknowledgements/${ackId}`, label: 'View record' },
  { href: certificateHref(ackId), label: 'Download certificate' },
];

/** "My agreements": what to sign, what is signed (with certificates), earlier signatures. */
export function MyAgreementsPage({ data, welcome }: { data: MyAgreements; welcome: boolean }) {
  const { outstanding, signed, earlier, hasTeam, today } = data;
  return (
    <Layout title="My agreements">
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <h1 className="govuk-heading-l">My agreements</h1>
          {welcome && (
            <p className="govuk-body-l">
              Welcome to Countersign. Your school asks you to read and sign the agreements below. Start with the one due first: each takes a few minutes.
            </p>
          )}
          {hasTeam && (
            <p className="govuk-body">
              <a className="govuk-link" href="/compliance/team">
                Your team’s agreements
              </a>
            </p>
          )}
          <h2 className="govuk-heading-m">To sign</h2>
          {outstanding.length === 0 && <p className="govuk-body cs-empty">You have nothing to sign.</p>}
          {outstanding.map((a) => (
            <AgreementCard
              key={a.id}
              title={a.policyTitle}
              actions={[{ href: `/agreements/${a.id}/sign`, label: 'Sign', primary: true }]}
              rows={[
                { key: 'Version', value: a.versionLabel },
                {
                  key: 'Sign by',
                  value: (
                    <>
                      {formatDate(a.dueOn)} <DueTag dueOn={a.dueOn} today={today} />
                    </>
                  ),
                },
              ]}
            />
          ))}
          <h2 className="govuk-heading-m">Signed</h2>
          {signed.length === 0 && <p className="govuk-body cs-empty">You have not signed any agreements yet.</p>}
          {signed.map((s) => (
            <AgreementCard
              key={s.assignmentId}
              title={s.policyTitle}
              actions={recordActions(s.ackId)}
              rows={[
                {
                  key: 'Version',
                  value: s.carried ? (
                    <>
                      {s.versionLabel}: your signature of {s.ackVersionLabel} carries over
                    </>
                  ) : (
                    s.versionLabel
                  ),
                },
                { key: 'Signed on', value: formatDate(s.signedAt) },
                { key: 'Status', value: <Tag tone="green">Signed</Tag> },
              ]}
            />
          ))}
          {signed.some((s) => s.carried) && (
            <p className="govuk-body-s">
              When a policy changes only in small ways (a minor revision, such as typing corrections), your signature of the earlier version still counts for
              the new one, so you do not need to sign again. Its record and certificate are of the version you signed.
            </p>
          )}
          {earlier.length > 0 && (
            <>
              <h2 className="govuk-heading-m">Earlier versions you signed</h2>
              <p className="govuk-body">These signatures are kept as a record, but newer versions have replaced the versions they are for.</p>
              {earlier.map((e) => (
                <AgreementCard
                  key={e.ackId}
                  title={e.policyTitle}
                  actions={recordActions(e.ackId)}
                  rows={[
                    { key: 'Version', value: e.versionLabel },
                    { key: 'Signed on', value: formatDate(e.signedAt) },
                  ]}
                />
              ))}
            </>
          )}
        </div>
      </div>
    </Layout>
  );
}

/** The agreement statements as separate checkboxes, each required, each with its own error. */
function StatementCheckboxes({ statements, errors, values }: { statements: string[]; errors?: FieldErrors; values?: FormValues }) {
  const given = values?.statements;
  const ticked = new Set(Array.isArray(given) ? given : given ? [given] : []);
  return (
    <div className="govuk-form-group">
      <fieldset className="govuk-fieldset">
        <legend className="govuk-fieldset__legend govuk-fieldset__legend--m">
          <h3 className="govuk-fieldset__heading">Tick each statement to agree to it</h3>
        </legend>
        {statements.map((statement, i) => {
          const name = `statement-${i}`;
          const id = fieldId(name);
          const error = errors?.[name];
          return (
            <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`} key={i}>
              {error && (
                <p className="govuk-error-message" id={`${id}-error`}>
                  <span className="govuk-visually-hidden">Error:</span> {error}
                </p>
              )}
              <div className="govuk-checkboxes" data-module="govuk-checkboxes">
                <div className="govuk-checkboxes__item">
                  <input
                    className="govuk-checkboxes__input"
                    id={id}
                    name="statements"
                    type="checkbox"
                    value={String(i)}
                    required
                    defaultChecked={ticked.has(String(i))}
                    aria-describedby={error ? `${id}-error` : undefined}
                  />
                  <label className="govuk-label govuk-checkboxes__label" htmlFor={id}>
                    {statement}
                  </label>
                </div>
              </div>
            </div>
          );
        })}
      </fieldset>
    </div>
  );
}

/**
 * The signing page: key points, the whole document, then at its end the declaration form. With
 * JavaScript (public/app.js) the form stays hidden until the end of the document has been
 * scrolled into view; without it, the form simply follows the text. After an error it is shown
 * straight away.
 */
export function SigningPage({ view, today, errors, values }: { view: SigningPageView; today: string; errors?: FieldErrors; values?: FormValues }) {
  const { assignment, policy, version, person, content } = view;
  const heading = `Sign ${policy.title}`;
  // The statements and the declaration are the form at the end, not repeated as part of the text.
  const text = { ...content, agreementStatements: [], declaration: { wording: '', fields: [] } };
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={[{ href: '/agreements', label: 'My agreements' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">Sign the agreement</span>
          <h1 className="govuk-heading-l">{policy.title}</h1>
          <SummaryList
            rows={[
              { key: 'Version', value: version.label },
              {
                key: 'Sign by',
                value: (
                  <>
                    {formatDate(assignment.dueOn)} <DueTag dueOn={assignment.dueOn} today={today} />
                  </>
                ),
              },
            ]}
          />
          {assignment.source === 'resign' && (
            <InsetText>
              This is a new version with changes that matter{version.materialReason ? `: ${version.materialReason}` : ''}. Everyone signs it again, including
              people who signed an earlier version.
            </InsetText>
          )}
          {assignment.source === 'annual' && <InsetText>Everyone signs this policy again each year, so it stays fresh in mind.</InsetText>}
          <p className="govuk-body">Read the policy, starting with its key points. The declaration you sign is at the end.</p>
          {!errors && (
            <p className="govuk-body cs-sign-note" data-sign-note hidden>
              <strong>Read to the end to sign.</strong> The declaration appears when you reach the end of the policy.
            </p>
          )}
          <PolicyDocument content={text} />
          <p className="govuk-body-s cs-muted cs-sign-end" id="end-of-document" data-sign-end>
            End of {policy.title}, {version.label}.
          </p>
          <div className="cs-sign-declaration" id="sign" data-sign-gate={errors ? undefined : ''}>
            <h2 className="govuk-heading-l">Sign the agreement</h2>
            <Form action={`/agreements/${assignment.id}/sign`}>
              {content.agreementStatements.length > 0 && <StatementCheckboxes statements={content.agreementStatements} errors={errors} values={values} />}
              <h3 className="govuk-heading-m">Declaration</h3>
              {content.declaration.wording && (
                <div className="govuk-inset-text">
                  <p className="govuk-body cs-declaration-wording">{content.declaration.wording}</p>
                </div>
              )}
              <TextInput
                name="typedName"
                label="Your full name"
                hint={`Type your name as it is on record: ${person.fullName}`}
                autoComplete="name"
                spellCheck={false}
                errors={errors}
                values={values}
              />
              <TextInput
                name="position"
                label="Your position"
                hint="For example, Class teacher"
                autoComplete="organization-title"
                errors={errors}
                values={values}
              />
              <p className="govuk-body-s">
                When you sign, Countersign keeps a permanent record of what you agreed to: this version of the policy, your name and position, the date and
                time, how you signed in, and the internet address and browser you used.
              </p>
              <Button>Sign the agreement</Button>
            </Form>
          </div>
        </div>
      </div>
    </Layout>
  );
}

/** The confirmation after signing: the record number, the certificate, what happens next. */
export function SignedPage({ view, ack }: { view: SigningPageView; ack: AcknowledgementRow }) {
  const carried = ack.versionId !== view.version.id;
  return (
    <Layout title={`You have signed ${ack.policyTitle}`} breadcrumbs={[{ href: '/agreements', label: 'My agreements' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <div className="govuk-panel govuk-panel--confirmation">
            <h1 className="govuk-panel__title">
              You have signed {ack.policyTitle} {ack.versionLabel}
            </h1>
            <div className="govuk-panel__body">
              Your record number
              <br />
              <strong>{ack.seq}</strong>
            </div>
          </div>
          <SummaryList
            rows={[
              { key: 'Policy', value: ack.policyTitle },
              { key: 'Version', value: ack.versionLabel },
              { key: 'Signed', value: formatDateTime(ack.signedAt) },
              { key: 'Name', value: ack.typedName },
              { key: 'Position', value: ack.position },
              { key: 'Record number', value: String(ack.seq) },
            ]}
          />
          {carried && (
            <InsetText>
              {view.version.label} made only minor changes to {ack.versionLabel}, so your signature of {ack.versionLabel} still counts.
            </InsetText>
          )}
          <p className="govuk-body">
            <a className="govuk-button" data-module="govuk-button" href={certificateHref(ack.id)}>
              Download your certificate
            </a>
          </p>
          <h2 className="govuk-heading-m">What happens next</h2>
          <p className="govuk-body">
            You do not need to do anything else. Your signature is kept as a permanent record that cannot be changed, and your school can see that you have
            signed.
          </p>
          <p className="govuk-body">If the policy changes in a way that matters, you will be asked to read and sign the new version.</p>
          <p className="govuk-body">
            Your agreements and certificates are always in{' '}
            <a className="govuk-link" href="/agreements">
              My agreements
            </a>
            . You can also{' '}
            <a className="govuk-link" href={`/acknowledgements/${ack.id}`}>
              view the full signature record
            </a>
            .
          </p>
        </div>
      </div>
    </Layout>
  );
}

const REFUSAL_TITLES: Record<Exclude<SigningState, 'open'>, string> = {
  signed: 'You have already signed this',
  replaced: 'A newer version needs your signature',
  withdrawn: 'You no longer need to sign this',
  not_in_force: 'This version is no longer in force',
};

/** Why an assignment cannot be signed now (HTTP 409), with where to go instead. Nothing was recorded. */
export function RefusalPage({
  state,
  message,
  assignmentId,
  policyTitle,
  versionLabel,
  currentId,
}: {
  state: Exclude<SigningState, 'open'>;
  message: string;
  assignmentId: string;
  policyTitle?: string;
  versionLabel?: string;
  currentId?: string | null;
}) {
  const title = REFUSAL_TITLES[state];
  return (
    <Layout title={title} breadcrumbs={[{ href: '/agreements', label: 'My agreements' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          {policyTitle && (
            <span className="govuk-caption-l">
              {policyTitle}
              {versionLabel ? ` ${versionLabel}` : ''}
            </span>
          )}
          <h1 className="govuk-heading-l">{title}</h1>
          <p className="govuk-body">{message}</p>
          {state !== 'signed' && <p className="govuk-body">Nothing has been recorded.</p>}
          {state === 'signed' && (
            <p className="govuk-body">
              <a className="govuk-link" href={`/agreements/${assignmentId}/signed`}>
                See your signature and download the certificate
              </a>
            </p>
          )}
          {state === 'replaced' && currentId && (
            <p className="govuk-body">
              <a className="govuk-button" data-module="govuk-button" href={`/agreements/${currentId}/sign`}>
                Sign the current version
              </a>
            </p>
          )}
          <p className="govuk-body">
            <a className="govuk-link" href="/agreements">
              Go to my agreements
            </a>
          </p>
        </div>
      </div>
    </Layout>
  );
}

const PAPER_REFUSALS: Record<Exclude<SigningState, 'open'>, string> = {
  signed: 'has already signed this version. A signature cannot be recorded twice.',
  replaced: 'has been asked to sign a newer version of this policy instead. Record the paper signature against the current version.',
  withdrawn: 'no longer needs to sign this: the request was withdrawn.',
  not_in_force: 'cannot sign this version: it is no longer in force.',
};

/** The paper-signature page when the assignment cannot be signed any more (HTTP 409). */
export function PaperRefusalPage({ state, personName }: { state: Exclude<SigningState, 'open'>; personName?: string }) {
  const title = 'This signature cannot be recorded';
  return (
    <Layout title={title} breadcrumbs={[{ href: '/compliance', label: 'Compliance' }]}>
      <h1 className="govuk-heading-l">{title}</h1>
      <p className="govuk-body">
        {personName ?? 'This person'} {PAPER_REFUSALS[state]}
      </p>
      <p className="govuk-body">Nothing has been recorded.</p>
      <p className="govuk-body">
        <a className="govuk-link" href="/compliance">
          Go to compliance
        </a>
      </p>
    </Layout>
  );
}

/** A head teacher or administrator records a signature given on a paper form, with its scan. */
export function PaperPage({ row, maxMb, errors, values }: { row: PaperView; maxMb: number; errors?: FieldErrors; values?: FormValues }) {
  const { assignment, policy, version, person } = row;
  const heading = 'Record a paper signature';
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={[{ href: '/compliance', label: 'Compliance' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">{person.fullName}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          <SummaryList
            rows={[
              { key: 'Person', value: `${person.fullName} (${person.email})` },
              { key: 'Policy', value: policy.title },
              { key: 'Version', value: version.label },
              { key: 'Sign by', value: formatDate(assignment.dueOn) },
            ]}
          />
          <p className="govuk-body">
            Use this when {person.fullName} signed a printed copy of {policy.title} {version.label}, for example at an induction without a computer. Enter what
            is written on the form and attach a scan or photo of it. The record shows that you entered it on their behalf.
          </p>
          <Form action={`/agreements/${assignment.id}/paper`} multipart>
            <TextInput
              name="typedName"
              label="Name as written on the form"
              hint={`Their name on record is ${person.fullName}`}
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <TextInput name="position" label="Position as written on the form" errors={errors} values={values} />
            <DateInput name="signedOn" label="Date on the form" hint="For example, 27 3 2026" errors={errors} values={values} />
            <Textarea
              name="proxyNote"
              label="Why it was signed on paper"
              hint="For example, no computer access at the induction"
              rows={3}
              errors={errors}
              values={values}
            />
            <FileUpload
              name="scan"
              label="Scan or photo of the signed form"
              hint={`A PDF, JPEG or PNG file, up to ${maxMb} MB`}
              accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
              errors={errors}
            />
            <WarningText>Once recorded, the signature is part of the permanent record and cannot be changed or removed.</WarningText>
            <ButtonGroup>
              <Button>Record the signature</Button>
              <CancelLink href="/compliance" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}
