import type { ReactNode } from 'react';
import type { FieldErrors } from '../../../errors.ts';
import { InsetText, PageHeading, Paragraphs, SummaryList, Table, Tag, type Tone, WarningText } from '../../../ui/components.tsx';
import { countdown, formatDateTime, plural } from '../../../ui/format.ts';
import {
  Button,
  ButtonGroup,
  CancelLink,
  Checkboxes,
  DirectoryList,
  ErrorSummary,
  Form,
  type FormValues,
  fieldId,
  Radios,
  Textarea,
  TextInput,
} from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { ASSET_STATUSES, ASSET_TYPES, type AssetType, CONDITIONS, LOAN_STATUSES } from '../schema.ts';
import {
  type agreementPage,
  type ConfirmView,
  type issueForm,
  type LoanItemView,
  type LoanRecord,
  loanUrl,
  type MyLoan,
  type myLoans,
  NO_AGREEMENT,
  RETURN_HOURS,
  SIGN_METHODS,
  type SigningView,
  statusAfterReturn,
} from './service.ts';
import { ACCESSORIES, MAX_SLOTS } from './validation.ts';

export { myLoans } from './service.ts';

const title = (heading: string, errors?: FieldErrors) => (errors && Object.keys(errors).length ? `Error: ${heading}` : heading);
const CRUMBS = [{ href: '/assets', label: 'Assets and loans' }];
const crumbsFor = (ref: string) => [...CRUMBS, { href: loanUrl(ref), label: ref }];

function LinkButton({ href, children, secondary = true }: { href: string; children: ReactNode; secondary?: boolean }) {
  return (
    <a href={href} className={`govuk-button${secondary ? ' govuk-button--secondary' : ''}`} data-module="govuk-button" draggable={false}>
      {children}
    </a>
  );
}

export function LoanStatusTag({ status }: { status: keyof typeof LOAN_STATUSES }) {
  const s = LOAN_STATUSES[status];
  return <Tag tone={s.tone}>{s.label}</Tag>;
}

/** The 72-hour clock: the deadline and "due in 19 hours" / "3 hours overdue", orange then red. */
export function ReturnClock({ dueAt, now }: { dueAt: Date; now: Date }) {
  const tone: Tone = dueAt <= now ? 'red' : 'orange';
  return (
    <>
      {formatDateTime(dueAt)} <Tag tone={tone}>{countdown(dueAt, now)}</Tag>
    </>
  );
}

const makeModel = (i: { make: string | null; model: string | null }) => [i.make, i.model].filter(Boolean).join(' ');
const typeLabel = (type: string) => ASSET_TYPES[type as AssetType] ?? type;
const list = (items: string[]) => (items.length ? items.join(', ') : 'None');

/** The devices of a loan, as lent (and, once they are back, how each came back). */
function DevicesTable({ items, showReturn }: { items: LoanItemView[]; showReturn: boolean }) {
  return (
    <Table
      caption="Devices"
      rowKey={(i) => i.assetId}
      rows={items}
      columns={[
        {
          header: 'Asset tag',
          cell: (i) => (
            <a className="govuk-link" href={`/assets/${encodeURIComponent(i.tag)}`}>
              {i.tag}
            </a>
          ),
        },
        { header: 'Device', cell: (i) => `${typeLabel(i.type)}${makeModel(i) ? `: ${makeModel(i)}` : ''}` },
        { header: 'Serial number', cell: (i) => <span className="cs-hash">{i.serial}</span> },
        { header: 'Accessories issued', cell: (i) => list(i.accessories) },
        ...(showReturn
          ? [
              { header: 'Condition', cell: (i: LoanItemView) => (i.condition ? CONDITIONS[i.condition] : 'Not returned yet') },
              {
                header: 'Missing',
                cell: (i: LoanItemView) =>
                  i.accessoriesMissing?.length ? <Tag tone="red">{i.accessoriesMissing.join(', ')}</Tag> : i.condition ? 'Nothing' : '',
              },
              { header: 'Note', cell: (i: LoanItemView) => i.returnNote ?? '' },
            ]
          : []),
      ]}
    />
  );
}

// ---------------------------------------------------------------------------------------------
// The loan agreement

export function AgreementPage({ data, errors, values }: { data: Awaited<ReturnType<typeof agreementPage>>; errors?: FieldErrors; values?: FormValues }) {
  const { inForce, versions, canManage } = data;
  const heading = 'Device loan agreement';
  return (
    <Layout title={title(heading, errors)} breadcrumbs={CRUMBS}>
      <ErrorSummary errors={errors} />
      <PageHeading caption="Assets and loans">{heading}</PageHeading>
      {inForce ? (
        <>
          <p className="govuk-body">
            Everyone who borrows a school device signs this agreement for it. Version <strong>{inForce.label}</strong> has been in force since{' '}
            {formatDateTime(inForce.publishedAt)}.
          </p>
          <div className="govuk-inset-text cs-agreement" data-agreement-text>
            <Paragraphs text={inForce.text} />
          </div>
          <p className="govuk-body-s cs-muted">
            Fingerprint (SHA-256): <span className="cs-hash">{inForce.contentSha256}</span>
          </p>
        </>
      ) : (
        <WarningText>There is no loan agreement yet. Publish one before lending devices: people sign it when they take a device.</WarningText>
      )}

      <h2 className="govuk-heading-m">Versions</h2>
      <Table
        caption="Versions of the loan agreement"
        rowKey={(v) => v.version.id}
        rows={versions}
        empty="No version has been published yet."
        columns={[
          { header: 'Version', cell: (v) => v.version.label },
          { header: 'Published', cell: (v) => formatDateTime(v.version.publishedAt) },
          { header: 'By', cell: (v) => v.publishedByName ?? '' },
          { header: 'In force', cell: (v) => (v.version.id === inForce?.id ? <Tag tone="green">In force</Tag> : <Tag tone="grey">Replaced</Tag>) },
        ]}
      />

      {canManage && (
        <>
          <h2 className="govuk-heading-m" id="publish">
            Publish a new version
          </h2>
          <p className="govuk-body">
            A new version is in force from the moment it is published, for loans signed from then on. Loans already signed keep the text that was signed.
          </p>
          <Form action="/loans/agreement">
            <TextInput name="label" label="Version label" hint="For example, 2026-1 or September 2026" width="20" errors={errors} values={values} />
            <Textarea
              name="text"
              label="Text of the agreement"
              hint="Write each paragraph on its own line. Say what the borrower agrees to: 003 §7 (care of the device, no other users, return on request within 72 hours with all accessories, cables and packaging)."
              rows={14}
              errors={errors}
              values={values ?? { text: inForce?.text ?? '' }}
            />
            <ButtonGroup>
              <Button>Publish this version</Button>
              <CancelLink href="/assets" />
            </ButtonGroup>
          </Form>
        </>
      )}
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Issuing a loan

export function IssuePage({
  form,
  slots,
  errors,
  values,
}: {
  form: Awaited<ReturnType<typeof issueForm>>;
  slots: number;
  errors?: FieldErrors;
  values?: FormValues;
}) {
  const heading = 'Lend devices';
  return (
    <Layout title={title(heading, errors)} breadcrumbs={CRUMBS}>
      <ErrorSummary errors={errors} />
      <PageHeading caption="Assets and loans">{heading}</PageHeading>
      {(!form.agreement || errors?.agreement) && (
        <div className={`govuk-form-group${errors?.agreement ? ' govuk-form-group--error' : ''}`} id={fieldId('agreement')}>
          <WarningText>
            {NO_AGREEMENT}.{' '}
            <a className="govuk-link" href="/loans/agreement">
              Publish the loan agreement
            </a>
          </WarningText>
        </div>
      )}
      <p className="govuk-body">
        The person gets an email with a link to read the loan agreement{form.agreement ? ` (version ${form.agreement.label})` : ''} and sign for the devices.
        They can also sign in person on this screen.
      </p>
      <Form action="/loans/new">
        <input type="hidden" name="slots" value={String(slots)} />
        <DirectoryList id="directory" people={form.directory} />
        <TextInput
          name="person"
          label="Who are the devices lent to?"
          hint="Start typing their name or email address and choose them from the list"
          list="directory"
          autoComplete="off"
          spellCheck={false}
          errors={errors}
          values={values}
        />
        {Array.from({ length: slots }, (_, i) => (
          <fieldset className="govuk-fieldset govuk-!-margin-bottom-6" key={i} aria-describedby={`device-hint-${i}`}>
            <legend className="govuk-fieldset__legend govuk-fieldset__legend--m">Device {i + 1}</legend>
            <p className="govuk-hint" id={`device-hint-${i}`}>
              {i === 0 ? 'The device must be in stock.' : 'Leave blank if you are lending fewer devices.'}
            </p>
            <TextInput
              name={`device-${i}`}
              label="Asset tag or serial number"
              width="20"
              spellCheck={false}
              autoComplete="off"
              errors={errors}
              values={values}
            />
            <Checkboxes
              name={`accessories-${i}`}
              label="Accessories issued with it"
              small
              options={Object.values(ACCESSORIES).map((label, n) => ({ value: Object.keys(ACCESSORIES)[n] as string, label }))}
              errors={errors}
              values={values}
            />
            <TextInput
              name={`otherAccessories-${i}`}
              label="Other accessories"
              hint="Separate them with commas, like USB-C hub, sleeve"
              errors={errors}
              values={values}
            />
          </fieldset>
        ))}
        <Radios
          name="offSite"
          label="May the devices be used off site?"
          hint="For example at home, or on a school trip"
          inline
          options={[
            { value: 'yes', label: 'Yes' },
            { value: 'no', label: 'No, on site only' },
          ]}
          errors={errors}
          values={values}
        />
        <Textarea
          name="offSiteNote"
          label="Note about off-site use (optional)"
          hint="For example, for home learning until July"
          rows={2}
          errors={errors}
          values={values}
        />
        <ButtonGroup>
          {/* The primary button comes first, so pressing Enter in a field lends rather than adds a row. */}
          <Button name="action" value="issue">
            Lend the devices
          </Button>
          {slots < MAX_SLOTS && (
            <Button secondary name="action" value="add">
              Add another device
            </Button>
          )}
          <CancelLink href="/assets" />
        </ButtonGroup>
      </Form>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// The loan's page

export function LoanPage({ record, now }: { record: LoanRecord; now: Date }) {
  const { loan, items, person, history, canManage, isSelf } = record;
  const open = loan.status === 'active' || loan.status === 'return_requested';
  const actions = (
    <>
      {isSelf && loan.status === 'awaiting_signature' && (
        <LinkButton href={loanUrl(loan.reference, '/sign')} secondary={false}>
          Sign for the devices
        </LinkButton>
      )}
      {canManage && !isSelf && loan.status === 'awaiting_signature' && (
        <LinkButton href={loanUrl(loan.reference, '/sign?in_person=1')}>Sign in person</LinkButton>
      )}
      {canManage && loan.status === 'awaiting_signature' && <LinkButton href={loanUrl(loan.reference, '/cancel')}>Cancel the loan</LinkButton>}
      {canManage && loan.status === 'active' && <LinkButton href={loanUrl(loan.reference, '/request-return')}>Request return</LinkButton>}
      {canManage && open && !record.returnRecorded && <LinkButton href={loanUrl(loan.reference, '/return')}>Record the return</LinkButton>}
      {record.returnRecorded && isSelf && (
        <LinkButton href={loanUrl(loan.reference, '/return/confirm')} secondary={false}>
          Confirm the return
        </LinkButton>
      )}
      {record.returnRecorded && canManage && !isSelf && (
        <LinkButton href={loanUrl(loan.reference, '/return/confirm?in_person=1')}>Confirm in person</LinkButton>
      )}
    </>
  );
  return (
    <Layout title={`Loan ${loan.reference}`} breadcrumbs={CRUMBS}>
      <PageHeading caption="Device loan" actions={actions}>
        {loan.reference}
      </PageHeading>
      {record.returnRecorded && (
        <InsetText>
          IT services have recorded the devices handed back.{' '}
          {isSelf ? 'Confirm the return to close the loan.' : `Waiting for ${person.fullName} to confirm the return.`}
        </InsetText>
      )}
      <SummaryList
        rows={[
          { key: 'Status', value: <LoanStatusTag status={loan.status} /> },
          { key: 'Lent to', value: `${person.fullName} (${person.email})` },
          { key: 'Lent', value: `${formatDateTime(loan.issuedAt)}${loan.issuedBy ? ` by ${record.names.get(loan.issuedBy) ?? 'IT services'}` : ''}` },
          { key: 'Off-site use', value: `${loan.offSite ? 'Allowed' : 'On site only'}${loan.offSiteNote ? `: ${loan.offSiteNote}` : ''}` },
          { key: 'Loan agreement', value: record.agreementLabel ? `Version ${record.agreementLabel}` : '' },
          {
            key: 'Signed',
            value: loan.signedAt
              ? `${formatDateTime(loan.signedAt)} by ${loan.signedName} (${loan.signMethod ? SIGN_METHODS[loan.signMethod].toLowerCase() : ''})`
              : 'Not yet',
          },
          ...(loan.returnDueAt && loan.status === 'return_requested'
            ? [
                {
                  key: 'Return by',
                  value: record.returnRecorded ? `${formatDateTime(loan.returnDueAt)} (handed back)` : <ReturnClock dueAt={loan.returnDueAt} now={now} />,
                },
              ]
            : []),
          ...(loan.returnedAt ? [{ key: 'Returned', value: `${formatDateTime(loan.returnedAt)}, confirmed by ${loan.returnConfirmedName}` }] : []),
        ]}
      />
      {loan.signedSha256 && (
        <p className="govuk-body">
          <a className="govuk-link" href={loanUrl(loan.reference, '/receipt.pdf')}>
            Download the loan receipt (PDF)
          </a>
          {loan.returnSha256 && (
            <>
              {' · '}
              <a className="govuk-link" href={loanUrl(loan.reference, '/return-receipt.pdf')}>
                Download the return receipt (PDF)
              </a>
            </>
          )}
        </p>
      )}

      <h2 className="govuk-heading-m">{plural(items.length, 'device')}</h2>
      <DevicesTable items={items} showReturn={items.some((i) => i.condition !== null)} />

      <h2 className="govuk-heading-m">History</h2>
      <ol className="cs-todo-list" aria-label="History of the loan">
        {[...history]
          .sort((a, b) => a.at.getTime() - b.at.getTime())
          .map((h) => (
            <li key={`${h.at.toISOString()}-${h.title}`}>
              <h3 className="govuk-heading-s govuk-!-margin-bottom-1">{h.title}</h3>
              <p className="govuk-body-s cs-muted govuk-!-margin-bottom-2">
                {formatDateTime(h.at)}
                {h.by ? ` · ${h.by}` : ''}
              </p>
              <Paragraphs text={h.text} className="govuk-body-s" />
            </li>
          ))}
      </ol>
    </Layout>
  );
}

/** A step the loan cannot take in its state (409). */
export function LoanRefusalPage({ message, reference }: { message: string; reference: string }) {
  return (
    <Layout title="This cannot be done" breadcrumbs={crumbsFor(reference)}>
      <h1 className="govuk-heading-l">This cannot be done</h1>
      <p className="govuk-body">{message}</p>
      <p className="govuk-body">
        <a className="govuk-link" href={loanUrl(reference)}>
          Go back to loan {reference}
        </a>
      </p>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Signing for the devices

function SignerHint({ inPerson, name, witness }: { inPerson: boolean; name: string; witness: string | null }) {
  return inPerson ? (
    <WarningText>
      Signing in person: ask {name} to read the agreement and type their own name. {witness ?? 'You'} will be recorded as the witness.
    </WarningText>
  ) : null;
}

function ItemsList({ items }: { items: Pick<LoanItemView, 'tag' | 'serial' | 'type' | 'make' | 'model' | 'accessories'>[] }) {
  return (
    <ul className="govuk-list govuk-list--bullet">
      {items.map((i) => (
        <li key={i.tag}>
          <strong>{i.tag}</strong>: {typeLabel(i.type)}
          {makeModel(i) ? `, ${makeModel(i)}` : ''}, serial number <span className="cs-hash">{i.serial}</span>. Accessories: {list(i.accessories)}.
        </li>
      ))}
    </ul>
  );
}

export function SigningPage({ view, errors, values }: { view: SigningView; errors?: FieldErrors; values?: FormValues }) {
  const { loan, items, person, agreement, method, witness } = view;
  const inPerson = method === 'in_person';
  const heading = 'Sign for the devices lent to you';
  const action = loanUrl(loan.reference, inPerson ? '/sign?in_person=1' : '/sign');
  return (
    <Layout title={title(heading, errors)} breadcrumbs={inPerson ? crumbsFor(loan.reference) : [{ href: '/devices', label: 'My devices' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">Loan {loan.reference}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          <SignerHint inPerson={inPerson} name={person.fullName} witness={witness?.name ?? null} />
          <SummaryList
            rows={[
              { key: 'Lent to', value: person.fullName },
              { key: 'Off-site use', value: `${loan.offSite ? 'Allowed' : 'On site only'}${loan.offSiteNote ? `: ${loan.offSiteNote}` : ''}` },
            ]}
          />
          <h2 className="govuk-heading-m">The devices</h2>
          <ItemsList items={items} />
          <h2 className="govuk-heading-m">The loan agreement (version {agreement.label})</h2>
          <div className="govuk-inset-text cs-agreement" data-agreement-text>
            <Paragraphs text={agreement.text} />
          </div>
          <Form action={action}>
            <Checkboxes name="agree" label="Declaration" options={[{ value: 'yes', label: view.declaration }]} errors={errors} values={values} />
            <TextInput
              name="typedName"
              label={inPerson ? `${person.fullName}’s full name` : 'Your full name'}
              hint={`Type the name as it is on record: ${person.fullName}`}
              autoComplete={inPerson ? 'off' : 'name'}
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <p className="govuk-body-s">
              When you sign, Countersign keeps a permanent record of what was signed: this version of the agreement, the devices and their serial numbers, the
              name typed, the date and time, {inPerson ? 'who witnessed it' : 'how you signed in'}, and the internet address and browser used.
            </p>
            <ButtonGroup>
              <Button>Sign for the devices</Button>
              {inPerson && <CancelLink href={loanUrl(loan.reference)} />}
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Cancel, request return

export function CancelPage({ record }: { record: LoanRecord }) {
  const { loan, items, person } = record;
  const heading = `Cancel loan ${loan.reference}?`;
  return (
    <Layout title={heading} breadcrumbs={crumbsFor(loan.reference)}>
      <h1 className="govuk-heading-l">{heading}</h1>
      <p className="govuk-body">
        {person.fullName} has not signed for the devices yet. Cancelling puts {items.map((i) => i.tag).join(', ')} back into stock, and the link in their email
        will show that the loan was cancelled. The loan stays on record as cancelled.
      </p>
      <Form action={loanUrl(loan.reference, '/cancel')}>
        <ButtonGroup>
          <Button warning>Cancel the loan</Button>
          <CancelLink href={loanUrl(loan.reference)}>Keep the loan</CancelLink>
        </ButtonGroup>
      </Form>
    </Layout>
  );
}

export function RequestReturnPage({ record, now, errors, values }: { record: LoanRecord; now: Date; errors?: FieldErrors; values?: FormValues }) {
  const { loan, person, items } = record;
  const heading = `Ask ${person.fullName} to return the devices`;
  const due = new Date(now.getTime() + RETURN_HOURS * 3_600_000);
  return (
    <Layout title={title(heading, errors)} breadcrumbs={crumbsFor(loan.reference)}>
      <ErrorSummary errors={errors} />
      <span className="govuk-caption-l">Loan {loan.reference}</span>
      <h1 className="govuk-heading-l">{heading}</h1>
      <p className="govuk-body">
        The loan agreement asks for devices back within 72 hours of a request, with all their accessories, cables and packaging. If you ask now,{' '}
        {items.length === 1 ? 'it is' : 'they are'} due back by <strong>{formatDateTime(due)}</strong>.
      </p>
      <p className="govuk-body">
        {person.fullName} gets an email now, a reminder 24 hours before the deadline, and reminders once it is overdue (their line manager too).
      </p>
      <ItemsList items={items} />
      <Form action={loanUrl(loan.reference, '/request-return')}>
        <Textarea
          name="reason"
          label="Reason (optional)"
          hint="Included in the email, for example: the laptop is due for its annual check"
          rows={3}
          errors={errors}
          values={values}
        />
        <ButtonGroup>
          <Button>Request the return</Button>
          <CancelLink href={loanUrl(loan.reference)} />
        </ButtonGroup>
      </Form>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// The return

export function ReturnPage({ record, errors, values }: { record: LoanRecord; errors?: FieldErrors; values?: FormValues }) {
  const { loan, person } = record;
  const out = record.items.filter((i) => !i.returnedAt);
  const heading = 'Record the devices handed back';
  const initial: FormValues = values ?? {};
  if (!values)
    out.forEach((item, n) => {
      initial[`device-${n}`] = item.tag;
      initial[`handedBack-${n}`] = item.condition ? item.accessories.filter((a) => !(item.accessoriesMissing ?? []).includes(a)) : item.accessories;
      if (item.condition) initial[`condition-${n}`] = item.condition;
      if (item.returnNote) initial[`note-${n}`] = item.returnNote;
    });
  return (
    <Layout title={title(heading, errors)} breadcrumbs={crumbsFor(loan.reference)}>
      <ErrorSummary errors={errors} />
      <span className="govuk-caption-l">
        Loan {loan.reference}, lent to {person.fullName}
      </span>
      <h1 className="govuk-heading-l">{heading}</h1>
      {errors?.form && (
        <p className="govuk-error-message" id={fieldId('form')}>
          <span className="govuk-visually-hidden">Error:</span> {errors.form}
        </p>
      )}
      <p className="govuk-body">
        For each device, record its condition and tick the accessories handed back with it: anything not ticked is recorded as missing. Then {person.fullName}{' '}
        confirms the return. A damaged or faulty device goes to repair; the others go back into stock.
      </p>
      <Form action={loanUrl(loan.reference, '/return')}>
        {out.map((item, n) => (
          <fieldset className="govuk-fieldset govuk-!-margin-bottom-6" key={item.assetId}>
            <legend className="govuk-fieldset__legend govuk-fieldset__legend--m">
              {item.tag}: {typeLabel(item.type)}
              {makeModel(item) ? `, ${makeModel(item)}` : ''}
            </legend>
            <p className="govuk-body-s">
              Serial number <span className="cs-hash">{item.serial}</span>
            </p>
            <input type="hidden" name={`device-${n}`} value={String(initial[`device-${n}`] ?? item.tag)} />
            {errors?.[`device-${n}`] && (
              <p className="govuk-error-message" id={fieldId(`device-${n}`)}>
                <span className="govuk-visually-hidden">Error:</span> {errors[`device-${n}`]}
              </p>
            )}
            <Radios
              name={`condition-${n}`}
              label="Condition"
              options={Object.entries(CONDITIONS).map(([value, label]) => ({ value, label }))}
              errors={errors}
              values={initial}
            />
            {item.accessories.length > 0 ? (
              <Checkboxes
                name={`handedBack-${n}`}
                label="Accessories handed back"
                hint="Untick anything that was not handed back"
                small
                options={item.accessories.map((a) => ({ value: a, label: a }))}
                errors={errors}
                values={initial}
              />
            ) : (
              <p className="govuk-body">No accessories were issued with it.</p>
            )}
            <Textarea
              name={`note-${n}`}
              label="Note (optional)"
              hint="For example, a cracked corner or a missing key"
              rows={2}
              errors={errors}
              values={initial}
            />
          </fieldset>
        ))}
        <ButtonGroup>
          <Button>Save the return</Button>
          <CancelLink href={loanUrl(loan.reference)} />
        </ButtonGroup>
      </Form>
    </Layout>
  );
}

export function ConfirmReturnPage({ view, errors, values }: { view: ConfirmView; errors?: FieldErrors; values?: FormValues }) {
  const { loan, items, person, method, witness } = view;
  const inPerson = method === 'in_person';
  const heading = 'Confirm the return';
  return (
    <Layout title={title(heading, errors)} breadcrumbs={inPerson ? crumbsFor(loan.reference) : [{ href: '/devices', label: 'My devices' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">Loan {loan.reference}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          <SignerHint inPerson={inPerson} name={person.fullName} witness={witness?.name ?? null} />
          <p className="govuk-body">{view.receivedByName ?? 'IT services'} recorded what was handed back. Check it, then confirm.</p>
          <Table
            caption="What was handed back"
            rowKey={(i) => i.assetId}
            rows={items}
            columns={[
              { header: 'Device', cell: (i) => `${i.tag} (serial number ${i.serial})` },
              { header: 'Condition', cell: (i) => (i.condition ? CONDITIONS[i.condition] : '') },
              {
                header: 'After the return',
                cell: (i) => (i.condition ? ASSET_STATUSES[statusAfterReturn(i.condition)].label : ''),
              },
              { header: 'Handed back', cell: (i) => list(i.accessories.filter((a) => !(i.accessoriesMissing ?? []).includes(a))) },
              { header: 'Missing', cell: (i) => (i.accessoriesMissing?.length ? <Tag tone="red">{i.accessoriesMissing.join(', ')}</Tag> : 'Nothing') },
            ]}
          />
          <Form action={loanUrl(loan.reference, inPerson ? '/return/confirm?in_person=1' : '/return/confirm')}>
            <Checkboxes name="agree" label="Declaration" options={[{ value: 'yes', label: view.declaration }]} errors={errors} values={values} />
            <TextInput
              name="typedName"
              label={inPerson ? `${person.fullName}’s full name` : 'Your full name'}
              hint={`Type the name as it is on record: ${person.fullName}`}
              autoComplete={inPerson ? 'off' : 'name'}
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>Confirm the return</Button>
              <CancelLink href={loanUrl(loan.reference)} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// My devices: the person's loans

/** The "Devices on loan to you" section of the My devices page (/devices). */
export function MyLoansSection({ loans, now = new Date() }: { loans: Awaited<ReturnType<typeof myLoans>>; now?: Date }) {
  return (
    <section aria-labelledby="my-loans">
      <h2 className="govuk-heading-m" id="my-loans">
        Devices on loan to you
      </h2>
      {loans.length === 0 ? (
        <p className="govuk-body cs-empty">No school devices are on loan to you.</p>
      ) : (
        <ul className="cs-todo-list">
          {loans.map((l) => (
            <MyLoanItem key={l.loan.id} item={l} now={now} />
          ))}
        </ul>
      )}
    </section>
  );
}

function MyLoanItem({ item, now }: { item: MyLoan; now: Date }) {
  const { loan, items } = item;
  const next =
    loan.status === 'awaiting_signature'
      ? { href: loanUrl(loan.reference, '/sign'), label: 'Sign for the devices' }
      : item.returnRecorded
        ? { href: loanUrl(loan.reference, '/return/confirm'), label: 'Confirm the return' }
        : { href: loanUrl(loan.reference), label: `Open loan ${loan.reference}` };
  return (
    <li>
      <h3 className="govuk-heading-s govuk-!-margin-bottom-1">
        <a className="govuk-link" href={next.href}>
          {next.label}
        </a>{' '}
        <LoanStatusTag status={loan.status} />
      </h3>
      <p className="govuk-body-s govuk-!-margin-bottom-1">
        {loan.reference}: {items.map((i) => `${i.tag}${makeModel(i) ? ` (${makeModel(i)})` : ''}`).join(', ')}
      </p>
      {loan.status === 'return_requested' && loan.returnDueAt && !item.returnRecorded && (
        <p className="govuk-body-s">
          Return to IT by <ReturnClock dueAt={loan.returnDueAt} now={now} />
        </p>
      )}
    </li>
  );
}
