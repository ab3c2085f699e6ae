import type { FieldErrors } from '../../errors.ts';
import { type Column, InsetText, PagedTable, PageHeading, Paragraphs, SummaryList, Table, Tag } from '../../ui/components.tsx';
import { formatDate, formatDateTime, plural } from '../../ui/format.ts';
import {
  Button,
  ButtonGroup,
  CancelLink,
  Checkboxes,
  DateInput,
  ErrorSummary,
  FileUpload,
  Form,
  type FormValues,
  fieldId,
  Radios,
  Select,
  Textarea,
  TextInput,
} from '../../ui/forms.tsx';
import { Layout } from '../../ui/layout.tsx';
import { REQUEST_STATUSES, type RequestStatus } from './schema.ts';
import type { ListFilter, OpenedRequest, RequestForm, RequestList, RequestRow } from './service.ts';
import { PAGE_SIZE, requestTitle } from './service.ts';
import { waitingTag } from './todos.ts';
import { type Answers, hasFile, REQUEST_TYPE_CODES, REQUEST_TYPES, type RequestField, requestType, typeLabel } from './types.ts';

const MINE_CRUMBS = [
  { href: '/', label: 'Home' },
  { href: '/requests/mine', label: 'My requests' },
];

export function StatusTag({ status }: { status: RequestStatus }) {
  const s = REQUEST_STATUSES[status];
  return <Tag tone={s.tone}>{s.label}</Tag>;
}

/** Page 1: what do you need permission for? Each type says who decides. */
export function ChooseTypePage({ errors, chosen }: { errors?: FieldErrors; chosen?: string }) {
  const error = errors?.type;
  return (
    <Layout title={`${error ? 'Error: ' : ''}What do you need permission for?`} breadcrumbs={MINE_CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <Form action="/requests/new">
            <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
              <fieldset className="govuk-fieldset" aria-describedby={error ? `${fieldId('type')}-error` : undefined}>
                <legend className="govuk-fieldset__legend govuk-fieldset__legend--l">
                  <span className="govuk-caption-l">Ask for permission</span>
                  <h1 className="govuk-fieldset__heading">What do you need permission for?</h1>
                </legend>
                {error && (
                  <p className="govuk-error-message" id={`${fieldId('type')}-error`}>
                    <span className="govuk-visually-hidden">Error:</span> {error}
                  </p>
                )}
                <div className="govuk-radios" data-module="govuk-radios">
                  {REQUEST_TYPE_CODES.map((code, i) => {
                    const spec = requestType(code);
                    const id = i === 0 ? fieldId('type') : `${fieldId('type')}-${code}`;
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
                          Decided by: {spec.approver.label}.
                        </div>
                      </div>
                    );
                  })}
                </div>
              </fieldset>
            </div>
            <Button>Continue</Button>
          </Form>
          <p className="govuk-body">
            Before asking to use a new website or app with pupils’ or staff information, check the{' '}
            <a className="govuk-link" href="/cloud-services">
              approved cloud services
            </a>
            .
          </p>
        </div>
      </div>
    </Layout>
  );
}

function AnswerField({ f, errors, values }: { f: RequestField; errors?: FieldErrors; values?: FormValues }) {
  const common = { name: f.name, label: f.label, hint: f.hint, errors, values };
  switch (f.kind) {
    case 'text':
      return <TextInput {...common} />;
    case 'url':
      return <TextInput {...common} type="url" spellCheck={false} />;
    case 'number':
      return <TextInput {...common} width="10" inputMode="text" />;
    case 'textarea':
      return <Textarea {...common} rows={4} />;
    case 'date':
      return <DateInput {...common} hint={f.hint ?? 'For example, 27 3 2026'} />;
    case 'select':
      return <Select {...common} options={f.options ?? []} emptyLabel="Choose" />;
    case 'checkboxes':
      return <Checkboxes {...common} options={f.options ?? []} small />;
    case 'file':
      return <FileUpload {...common} accept="application/pdf,image/*" />;
  }
}

/** Page 2: the type's questions, with the school when the person has several. */
export function RequestFormPage({ form, errors, values }: { form: RequestForm; errors?: FieldErrors; values?: FormValues }) {
  const { spec, type } = form;
  const title = spec.label;
  const crumbs = [...MINE_CRUMBS, { href: '/requests/new', label: 'Ask for permission' }];
  if (form.blocked)
    return (
      <Layout title={title} breadcrumbs={crumbs}>
        <PageHeading caption="Ask for permission">{title}</PageHeading>
        <div className="govuk-grid-row">
          <div className="govuk-grid-column-two-thirds">
            <InsetText>{form.blocked}</InsetText>
            <p className="govuk-body">
              <a className="govuk-link" href="/requests/new">
                Choose another kind of request
              </a>
            </p>
          </div>
        </div>
      </Layout>
    );
  return (
    <Layout title={`${errors && Object.keys(errors).length ? 'Error: ' : ''}${title}`} breadcrumbs={crumbs}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <PageHeading caption="Ask for permission">{title}</PageHeading>
          <p className="govuk-body">Decided by: {spec.approver.label}. They are emailed when you send the request, and you are emailed their decision.</p>
          <Form action={`/requests/new/${type}`} multipart={hasFile(type)}>
            {form.schools.length > 1 && <Radios name="school" label="Which school is this for?" options={form.schools} errors={errors} values={values} />}
            {spec.fields.map((f) => (
              <AnswerField key={f.name} f={f} errors={errors} values={values} />
            ))}
            <ButtonGroup>
              <Button>Send the request</Button>
              <CancelLink href="/requests/new" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

/** An answer as the person gave it: option labels, dates in words, text with its line breaks. */
function AnswerValue({ f, value }: { f: RequestField; value: string | string[] | undefined }) {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return null;
  const list = Array.isArray(value) ? value : [value];
  const label = (v: string) => f.options?.find((o) => o.value === v)?.label ?? v;
  if (f.kind === 'checkboxes')
    return (
      <ul className="govuk-list govuk-list--bullet">
        {list.map((v) => (
          <li key={v}>{label(v)}</li>
        ))}
      </ul>
    );
  const text = list.join(', ');
  if (f.kind === 'date') return <>{formatDate(text)}</>;
  if (f.kind === 'number') return <>£{text}</>;
  if (f.kind === 'select') return <>{label(text)}</>;
  if (f.kind === 'url') return <span className="cs-break-anywhere">{text}</span>;
  if (f.kind === 'textarea') return <Paragraphs text={text} className="govuk-body" />;
  return <>{text}</>;
}

const sizeLabel = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

/** The request: its facts and answers, its files, then the decision form (approvers) or the withdraw form (the person who asked). */
export function RequestPage({ opened, errors, values }: { opened: OpenedRequest; errors?: FieldErrors; values?: FormValues }) {
  const { request, requester, files, approvers, schoolName } = opened;
  const spec = requestType(request.type);
  const answers = request.answers as Answers;
  const fileFields = spec.fields.filter((f) => f.kind === 'file');
  const crumbs = opened.own
    ? MINE_CRUMBS
    : [
        { href: '/', label: 'Home' },
        { href: '/requests', label: 'Requests' },
      ];
  const decided = request.status !== 'pending';
  return (
    <Layout title={`${errors && Object.keys(errors).length ? 'Error: ' : ''}Request ${request.reference}`} breadcrumbs={crumbs}>
      <ErrorSummary errors={errors} />
      <PageHeading caption={spec.label}>Request {request.reference}</PageHeading>
      <p className="govuk-body">
        <StatusTag status={request.status} />
      </p>
      {opened.own && request.status === 'pending' && (
        <InsetText>
          Your request is waiting for a decision by {spec.approver.label.toLowerCase()}
          {approvers.length ? ` (${approvers.map((a) => a.name).join(', ')})` : ''}. You will get an email when it is decided.
          {approvers.length === 0 && ' Nobody holds that role at the moment: tell your trust administrator.'}
        </InsetText>
      )}
      <h2 className="govuk-heading-m">About the request</h2>
      <SummaryList
        rows={[
          { key: 'Asked by', value: requester?.fullName ?? '' },
          { key: 'Asked on', value: formatDateTime(request.createdAt) },
          { key: 'School', value: schoolName ?? 'The whole trust (no school)' },
          { key: 'Decided by', value: spec.approver.label },
          ...(decided
            ? [
                {
                  key: request.status === 'withdrawn' ? 'Withdrawn' : 'Decision',
                  value: request.decidedAt
                    ? `${REQUEST_STATUSES[request.status].label} by ${opened.deciderName ?? 'Countersign'} on ${formatDateTime(request.decidedAt)}`
                    : REQUEST_STATUSES[request.status].label,
                },
                { key: 'Reason', value: request.reason ? <Paragraphs text={request.reason} /> : '' },
              ]
            : []),
          ...(request.expiresOn ? [{ key: request.status === 'expired' ? 'Expired after' : 'Lasts until', value: formatDate(request.expiresOn) }] : []),
        ]}
      />
      <h2 className="govuk-heading-m">What they asked</h2>
      <SummaryList
        rows={spec.fields
          .filter((f) => f.kind !== 'file')
          .map((f) => ({ key: f.label.replace(/ \(optional\)$/, ''), value: <AnswerValue f={f} value={answers[f.name]} /> }))}
      />
      {fileFields.length > 0 && (
        <>
          <h2 className="govuk-heading-m">Files</h2>
          {files.length === 0 ? (
            <p className="govuk-body">No files.</p>
          ) : (
            <ul className="govuk-list">
              {files.map((f) => (
                <li key={f.id}>
                  {fileFields.find((x) => x.name === f.field)?.label ?? f.field}:{' '}
                  <a className="govuk-link" href={`/requests/${request.reference}/files/${f.id}`}>
                    {f.fileName}
                  </a>{' '}
                  ({f.contentType.split(';')[0]}, {sizeLabel(f.size)})<br />
                  <span className="govuk-body-s cs-muted">SHA-256 {f.sha256}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {opened.canDecide && <DecisionForm opened={opened} errors={errors} values={values} />}
      {opened.canWithdraw && (
        <>
          <h2 className="govuk-heading-m">Withdraw the request</h2>
          <p className="govuk-body">If you no longer need this, withdraw it so nobody spends time deciding it.</p>
          <Form action={`/requests/${request.reference}/withdraw`}>
            <Textarea name="reason" label="Why you are withdrawing it (optional)" rows={3} errors={errors} values={values} />
            <Button secondary>Withdraw the request</Button>
          </Form>
        </>
      )}
    </Layout>
  );
}

function DecisionForm({ opened, errors, values }: { opened: OpenedRequest; errors?: FieldErrors; values?: FormValues }) {
  const { request } = opened;
  const spec = requestType(request.type);
  return (
    <>
      <h2 className="govuk-heading-m">Your decision</h2>
      <p className="govuk-body">
        The decision is final and recorded with your name, the time and your reason. {opened.requester?.fullName ?? 'The person who asked'} is emailed.
      </p>
      <Form action={`/requests/${request.reference}/decide`}>
        <Radios
          name="decision"
          label="Do you approve this request?"
          options={[
            { value: 'approve', label: 'Approve' },
            { value: 'refuse', label: 'Refuse' },
          ]}
          inline
          errors={errors}
          values={values}
        />
        <Textarea name="reason" label="Reason" hint="Needed if you refuse. The person who asked will see it." rows={3} errors={errors} values={values} />
        {spec.expiry && (
          <DateInput
            name="expiresOn"
            label="Approved until (optional)"
            hint="For an exception that should lapse, the last day it applies. Leave blank if it does not end. For example, 31 7 2026"
            errors={errors}
            values={values}
          />
        )}
        {request.type === 'cloud_service' && (
          <>
            <p className="govuk-body">Approving adds the service to the approved cloud services register, for review in 12 months.</p>
            <Checkboxes
              name="dpiaDone"
              label="Data protection impact assessment"
              options={[{ value: 'yes', label: 'A DPIA has been done' }]}
              small
              errors={errors}
              values={values}
            />
            <DateInput name="dpiaOn" label="Date of the DPIA" hint="If one has been done. For example, 3 3 2026" errors={errors} values={values} />
          </>
        )}
        <Button>Record the decision</Button>
      </Form>
    </>
  );
}

/** My requests, newest first: status, when decided, and until when an approval lasts. */
export function MyRequestsPage({ rows }: { rows: RequestRow[] }) {
  const columns: Column<RequestRow>[] = [
    {
      header: 'Reference',
      cell: (r) => (
        <a className="govuk-link" href={`/requests/${r.reference}`}>
          {r.reference}
        </a>
      ),
    },
    { header: 'Request', cell: (r) => <RequestLabel type={r.type} answers={r.answers as Answers} /> },
    { header: 'Asked', cell: (r) => formatDate(r.createdAt) },
    { header: 'Status', cell: (r) => <StatusTag status={r.status} /> },
    { header: 'Decided', cell: (r) => formatDate(r.decidedAt) },
    { header: 'Lasts until', cell: (r) => formatDate(r.expiresOn) },
  ];
  return (
    <Layout title="My requests" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading
        actions={
          <a href="/requests/new" className="govuk-button" data-module="govuk-button">
            Ask for permission
          </a>
        }
      >
        My requests
      </PageHeading>
      <p className="govuk-body">What you have asked permission for, newest first. Open one to see the decision or to withdraw it.</p>
      <Table caption="My requests" columns={columns} rows={rows} rowKey={(r) => r.id} empty="You have not asked for permission yet." />
    </Layout>
  );
}

function RequestLabel({ type, answers }: { type: string; answers: Answers }) {
  const title = requestTitle(type, answers);
  return (
    <>
      {typeLabel(type)}
      {title && (
        <>
          <br />
          <span className="govuk-body-s cs-muted">{title}</span>
        </>
      )}
    </>
  );
}

type ListRow = RequestList['waiting'][number];

const listHref = (filter: Partial<ListFilter>) => {
  const q = new URLSearchParams();
  if (filter.type) q.set('type', filter.type);
  if (filter.status) q.set('status', filter.status);
  if (filter.page && filter.page > 1) q.set('page', String(filter.page));
  const s = q.toString();
  return s ? `/requests?${s}` : '/requests';
};

/** The approvers' page: what waits for me first, then the other requests I may see, filtered in the URL. */
export function RequestsListPage({ list, now }: { list: RequestList; now: Date }) {
  const base: Column<ListRow>[] = [
    {
      header: 'Reference',
      cell: (r) => (
        <a className="govuk-link" href={`/requests/${r.reference}`}>
          {r.reference}
        </a>
      ),
    },
    { header: 'Request', cell: (r) => <RequestLabel type={r.type} answers={r.answers as Answers} /> },
    { header: 'Asked by', cell: (r) => r.requester },
    { header: 'School', cell: (r) => r.school ?? 'Trust' },
  ];
  const waitingCols: Column<ListRow>[] = [
    ...base,
    {
      header: 'Waiting',
      cell: (r) => {
        const tag = waitingTag(r.createdAt, now);
        return <Tag tone={tag.tone}>{tag.label}</Tag>;
      },
    },
  ];
  const otherCols: Column<ListRow>[] = [
    ...base,
    { header: 'Asked', cell: (r) => formatDate(r.createdAt) },
    { header: 'Status', cell: (r) => <StatusTag status={r.status} /> },
    { header: 'Decided', cell: (r) => formatDate(r.decidedAt) },
  ];
  const { filter } = list;
  return (
    <Layout title="Requests" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading>Requests</PageHeading>
      <form method="get" action="/requests" className="cs-filters">
        <div className="govuk-grid-row">
          <div className="govuk-grid-column-one-third">
            <Select
              name="type"
              label="Kind of request"
              options={REQUEST_TYPE_CODES.map((c) => ({ value: c, label: REQUEST_TYPES[c].label }))}
              emptyLabel="All kinds"
              values={{ type: filter.type }}
            />
          </div>
          <div className="govuk-grid-column-one-third">
            <Select
              name="status"
              label="Status"
              options={Object.entries(REQUEST_STATUSES).map(([value, s]) => ({ value, label: s.label }))}
              emptyLabel="Any status"
              values={{ status: filter.status }}
            />
          </div>
        </div>
        <Button secondary>Filter</Button>
      </form>
      <h2 className="govuk-heading-m">Waiting for your decision ({list.waiting.length})</h2>
      <Table caption="Waiting for your decision" columns={waitingCols} rows={list.waiting} rowKey={(r) => r.id} empty="Nothing is waiting for your decision." />
      <h2 className="govuk-heading-m">Other requests</h2>
      <PagedTable
        caption="Other requests"
        columns={otherCols}
        rows={list.others}
        rowKey={(r) => r.id}
        empty="No other requests match."
        paging={{ page: list.page, pageSize: PAGE_SIZE, total: list.total, noun: ['request', 'requests'], href: (page) => listHref({ ...filter, page }) }}
      />
      <p className="govuk-body-s cs-muted">{plural(list.waiting.length + list.total, 'request')} in all.</p>
    </Layout>
  );
}
