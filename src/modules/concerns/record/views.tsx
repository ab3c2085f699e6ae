import type { ReactNode } from 'react';
import type { FieldErrors } from '../../../errors.ts';
import { type Column, InsetText, PagedTable, PageHeading, Paragraphs, SummaryList, Table, Tag, WarningText } from '../../../ui/components.tsx';
import { countdown, formatDate, formatDateTime, londonToday } from '../../../ui/format.ts';
import {
  Button,
  ButtonGroup,
  CancelLink,
  DateInput,
  DirectoryList,
  ErrorSummary,
  FileUpload,
  Form,
  type FormValues,
  Radios,
  Select,
  Textarea,
  TextInput,
} from '../../../ui/forms.tsx';
import { type Crumb, Layout } from '../../../ui/layout.tsx';
import { usePage } from '../../../ui/page-context.tsx';
import { dueCountdown, dueTone } from '../../acknowledgements/signing/service.ts';
import { can } from '../../auth/authorize.ts';
import { BreachPanel, DeviceLossPanel } from '../breaches/views.tsx';
import { CONCERN_PARTS, type concernEntries, ENTRY_KINDS } from '../schema.ts';
import { ATTACHMENT_TYPES, type ConcernRecord, type ConcernRow, MAX_ATTACHMENTS } from '../service.ts';
import { CONCERN_STATUSES, CONCERN_TYPE_CODES, CONCERN_TYPES, type ConcernStatus, OUTCOMES, typeLabel } from '../types.ts';
import type { Candidate, ConcernListQuery, ConcernListRow, listConcerns, StatusMove } from './service.ts';
import { STATUS_FILTERS } from './service.ts';

type Full = Extract<ConcernRecord, { limited: false }>;
type Limited = Extract<ConcernRecord, { limited: true }>;
type Entry = typeof concernEntries.$inferSelect;

const concernUrl = (reference: string, rest = '') => `/concerns/${reference}${rest}`;

export function StatusTag({ status }: { status: ConcernStatus }) {
  const s = CONCERN_STATUSES[status];
  return <Tag tone={s.tone}>{s.label}</Tag>;
}

/** Text as typed, one paragraph per line break (no inline styles under the CSP). */

export const fileSize = (bytes: number) =>
  bytes < 1024 ? `${bytes} bytes` : bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

const titleFor = (title: string, errors?: FieldErrors) => (errors && Object.keys(errors).length ? `Error: ${title}` : title);

// ---------------------------------------------------------------------------------------------
// The list

type ListData = Awaited<ReturnType<typeof listConcerns>>;

export function concernsUrl(q: ConcernListQuery, changes: Partial<ConcernListQuery> = {}, path = '/concerns') {
  const merged = { ...q, ...changes };
  const params = new URLSearchParams();
  for (const key of ['type', 'status', 'school', 'assigned'] as const) if (merged[key]) params.set(key, String(merged[key]));
  if (merged.sort !== 'reported' || merged.dir !== 'desc') {
    params.set('sort', merged.sort);
    params.set('dir', merged.dir);
  }
  if (merged.page > 1 && path === '/concerns') params.set('page', String(merged.page));
  const s = params.toString();
  return `${path}${s ? `?${s}` : ''}`;
}

/** The clock of a concern in a list: the ICO deadline of an undecided breach, an urgent new report, the next action due. */
function Clock({ row, now }: { row: ConcernListRow; now: Date }) {
  if (row.status === 'closed') return <span className="cs-muted">Closed {formatDate(row.closedAt)}</span>;
  const tags: ReactNode[] = [];
  if (row.icoDueAt && !row.breachDecision) {
    const left = row.icoDueAt.getTime() - now.getTime();
    tags.push(
      <Tag key="ico" tone={left < 24 * 3_600_000 ? 'red' : 'orange'}>
        ICO {countdown(row.icoDueAt, now)}
      </Tag>,
    );
  }
  if (row.urgent && row.status === 'new')
    tags.push(
      <Tag key="urgent" tone="red">
        Urgent
      </Tag>,
    );
  if (row.nextActionDue) {
    const today = londonToday(now);
    tags.push(
      <Tag key="action" tone={dueTone(row.nextActionDue, today)}>
        Action {dueCountdown(row.nextActionDue, today)}
      </Tag>,
    );
  }
  if (tags.length === 0) return null;
  return (
    <ul className="govuk-list govuk-!-margin-bottom-0">
      {tags.map((t, i) => (
        <li key={i}>{t}</li>
      ))}
    </ul>
  );
}

export function ConcernListPage({ data, now, isPerson }: { data: ListData; now: Date; isPerson: boolean }) {
  const q = data.query;
  const { actor } = usePage();
  const canSeeRouting = !!actor && can(actor, 'concerns.routing', { trustId: actor.trustId });
  const columns: Column<ConcernListRow>[] = [
    {
      header: 'Reference',
      sortKey: 'reference',
      cell: (r) => (
        <a className="govuk-link" href={concernUrl(r.reference)}>
          {r.reference}
        </a>
      ),
    },
    { header: 'Type', sortKey: 'type', cell: (r) => typeLabel(r.type) },
    { header: 'School', sortKey: 'school', cell: (r) => r.schoolName },
    { header: 'Reported', sortKey: 'reported', cell: (r) => formatDateTime(r.createdAt) },
    { header: 'Status', sortKey: 'status', cell: (r) => <StatusTag status={r.status} /> },
    { header: 'Assigned to', sortKey: 'assignee', cell: (r) => r.assigneeName ?? <span className="cs-muted">Nobody yet</span> },
    { header: 'Clock', cell: (r) => <Clock row={r} now={now} /> },
  ];
  return (
    <Layout title="Concerns" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading
        actions={
          <a href={concernsUrl(q, {}, '/concerns.csv')} className="govuk-button govuk-button--secondary" data-module="govuk-button" download>
            Download the list (CSV)
          </a>
        }
      >
        Concerns
      </PageHeading>
      <p className="govuk-body">
        The concerns you can open: those of your role at your school or across the trust, and those routed or assigned to you. The download has the same list,
        without what was reported.
      </p>
      {canSeeRouting && (
        <p className="govuk-body">
          <a className="govuk-link" href="/concerns/routing">
            Who each kind of report goes to
          </a>
        </p>
      )}
      <form method="get" action="/concerns" className="cs-filters" role="search" aria-label="Filter concerns">
        <div className="cs-filters__row">
          <Select
            name="type"
            label="Type"
            emptyLabel="Any type"
            options={CONCERN_TYPE_CODES.map((c) => ({ value: c, label: CONCERN_TYPES[c].label }))}
            values={{ type: q.type }}
          />
          <Select
            name="status"
            label="Status"
            emptyLabel="Any status"
            options={Object.entries(STATUS_FILTERS).map(([value, label]) => ({ value, label }))}
            values={{ status: q.status }}
          />
          <Select
            name="school"
            label="School"
            emptyLabel="All schools"
            options={data.schools.map((s) => ({ value: s.id, label: s.name }))}
            values={{ school: q.school }}
          />
          {isPerson && (
            <Select
              name="assigned"
              label="Assigned"
              emptyLabel="To anyone or nobody"
              options={[
                { value: 'me', label: 'To me' },
                { value: 'unassigned', label: 'To nobody yet' },
              ]}
              values={{ assigned: q.assigned }}
            />
          )}
          <input type="hidden" name="sort" value={q.sort} />
          <input type="hidden" name="dir" value={q.dir} />
          <div className="govuk-form-group">
            <Button secondary>Show</Button>
          </div>
        </div>
        <p className="govuk-body-s">
          <a className="govuk-link" href="/concerns">
            Clear filters
          </a>
        </p>
      </form>
      <PagedTable
        caption="Concerns"
        columns={columns}
        rows={data.rows}
        rowKey={(r) => r.id}
        sort={{ current: q.sort, dir: q.dir, href: (sort, dir) => concernsUrl(q, { sort: sort as ConcernListQuery['sort'], dir, page: 1 }) }}
        empty="No concerns match these filters."
        paging={{ page: q.page, pageSize: data.pageSize, total: data.total, noun: ['concern', 'concerns'], href: (page) => concernsUrl(q, { page }) }}
      />
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// The record

/** The reporter's view: that it was received and its status, nothing of what the team records. */
function LimitedRecord({ record }: { record: Limited }) {
  const { concern } = record;
  return (
    <Layout
      title={`Your report ${concern.reference}`}
      breadcrumbs={[
        { href: '/', label: 'Home' },
        { href: '/concerns/mine', label: 'My reports' },
      ]}
    >
      <PageHeading caption="Your report">{concern.reference}</PageHeading>
      <SummaryList
        rows={[
          { key: 'Reference', value: concern.reference },
          { key: 'Type', value: typeLabel(concern.type) },
          { key: 'Reported', value: formatDateTime(concern.createdAt) },
          { key: 'Status', value: <StatusTag status={concern.status} /> },
        ]}
      />
      <InsetText>
        The team handling your report can see the details. You can see its status here; what they record stays with them. If you have more to add, or something
        worries you, speak to them or make another report quoting {concern.reference}.
      </InsetText>
    </Layout>
  );
}

function StatusButtons({ concern }: { concern: ConcernRow }) {
  const ref = concern.reference;
  if (concern.status === 'new' || concern.status === 'acknowledged') {
    const to = concern.status === 'new' ? 'acknowledged' : 'in_progress';
    return (
      <Form action={concernUrl(ref, '/status')} className="cs-inline-form">
        <input type="hidden" name="to" value={to} />
        <Button>{concern.status === 'new' ? 'Acknowledge' : 'Mark as in progress'}</Button>
      </Form>
    );
  }
  if (concern.status === 'in_progress')
    return (
      <a href={concernUrl(ref, '/close')} className="govuk-button" data-module="govuk-button">
        Close the concern
      </a>
    );
  return (
    <a href={concernUrl(ref, '/reopen')} className="govuk-button govuk-button--secondary" data-module="govuk-button">
      Reopen
    </a>
  );
}

function Chronology({ entries, reference }: { entries: Entry[]; reference: string }) {
  const correctedBy = new Map<number, number[]>();
  for (const e of entries) if (e.correctsSeq) correctedBy.set(e.correctsSeq, [...(correctedBy.get(e.correctsSeq) ?? []), e.seq]);
  return (
    <ol className="cs-todo-list" aria-label="Chronology entries">
      {entries.map((e) => (
        <li key={e.id} id={`entry-${e.seq}`}>
          <h3 className="govuk-heading-s govuk-!-margin-bottom-1">
            {e.seq}. {ENTRY_KINDS[e.kind] ?? e.kind}
          </h3>
          <p className="govuk-body-s cs-muted govuk-!-margin-bottom-2">
            {formatDateTime(e.at)} · {e.authorName}
          </p>
          {e.correctsSeq && (
            <p className="govuk-body-s govuk-!-margin-bottom-2">
              Corrects <a href={`#entry-${e.correctsSeq}`}>entry {e.correctsSeq}</a>
            </p>
          )}
          <Paragraphs text={e.text} />
          {(correctedBy.get(e.seq) ?? []).length > 0 && (
            <p className="govuk-body-s govuk-!-margin-bottom-2">
              <Tag tone="orange">Corrected</Tag> See{' '}
              {(correctedBy.get(e.seq) ?? []).map((n, i) => (
                <span key={n}>
                  {i > 0 && ', '}
                  <a href={`#entry-${n}`}>entry {n}</a>
                </span>
              ))}
            </p>
          )}
          <p className="govuk-body-s govuk-!-margin-bottom-0">
            <a className="govuk-link" href={concernUrl(reference, `/corrections?seq=${e.seq}`)}>
              Correct this entry<span className="govuk-visually-hidden"> ({e.seq})</span>
            </a>
          </p>
        </li>
      ))}
    </ol>
  );
}

function Actions({ record, now, errors }: { record: Full; now: Date; errors?: FieldErrors }) {
  const ref = record.concern.reference;
  const today = londonToday(now);
  const columns: Column<Full['actions'][number]>[] = [
    { header: 'Action', cell: (a) => <span id={`action-${a.action.id}`}>{a.action.text}</span> },
    { header: 'Owner', cell: (a) => a.ownerName },
    {
      header: 'Due',
      cell: (a) =>
        a.action.doneAt ? (
          <>
            {formatDate(a.action.dueOn)} <Tag tone="green">Done {formatDate(a.action.doneAt)}</Tag>
          </>
        ) : (
          <>
            {formatDate(a.action.dueOn)} <Tag tone={dueTone(a.action.dueOn, today)}>{dueCountdown(a.action.dueOn, today)}</Tag>
          </>
        ),
    },
    {
      header: 'Done',
      cell: (a) => {
        if (a.action.doneAt) return <span className="cs-muted">Done</span>;
        const error = errors?.[`action-${a.action.id}`];
        return (
          <Form action={concernUrl(ref, `/actions/${a.action.id}/done`)} className="cs-inline-form">
            {error && (
              <p className="govuk-error-message" id={`f-action-${a.action.id}`}>
                <span className="govuk-visually-hidden">Error:</span> {error}
              </p>
            )}
            <button type="submit" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">
              Mark as done<span className="govuk-visually-hidden">: {a.action.text}</span>
            </button>
          </Form>
        );
      },
    },
  ];
  return (
    <section aria-labelledby="actions">
      <h2 className="govuk-heading-m" id="actions">
        Actions
      </h2>
      <Table caption="Actions" columns={columns} rows={record.actions} rowKey={(a) => a.action.id} empty="No actions yet." />
      {record.concern.status !== 'closed' && (
        <p className="govuk-body">
          <a className="govuk-link" href={concernUrl(ref, '/actions/new')}>
            Add an action
          </a>
        </p>
      )}
    </section>
  );
}

function Attachments({ record }: { record: Full }) {
  const ref = record.concern.reference;
  const columns: Column<Full['files'][number]>[] = [
    {
      header: 'File',
      cell: (f) => (
        <a className="govuk-link" href={concernUrl(ref, `/attachments/${f.id}`)} download>
          {f.fileName}
        </a>
      ),
    },
    { header: 'Type', cell: (f) => f.contentType.split(';')[0] },
    { header: 'Size', cell: (f) => fileSize(f.size), numeric: true },
    { header: 'SHA-256', cell: (f) => <span className="cs-hash">{f.sha256}</span> },
    { header: 'Added', cell: (f) => formatDateTime(f.createdAt) },
  ];
  return (
    <section aria-labelledby="attachments">
      <h2 className="govuk-heading-m" id="attachments">
        Attachments
      </h2>
      <Table caption="Attachments" columns={columns} rows={record.files} rowKey={(f) => f.id} empty="No files attached." />
      {CONCERN_TYPES[record.concern.type].attachments && (
        <p className="govuk-body">
          <a className="govuk-link" href={concernUrl(ref, '/attachments/new')}>
            Attach a file
          </a>
        </p>
      )}
    </section>
  );
}

function Views({ views }: { views: Full['views'] }) {
  const columns: Column<Full['views'][number]>[] = [
    { header: 'Who', cell: (v) => v.personName },
    { header: 'When', cell: (v) => formatDateTime(v.at) },
    { header: 'What', cell: (v) => v.what },
    { header: 'From', cell: (v) => v.ip ?? '' },
  ];
  return (
    <section aria-labelledby="views">
      <h2 className="govuk-heading-m" id="views">
        Who has looked at this
      </h2>
      <p className="govuk-body">Every time someone opened this record or one of its files, newest first (the last 200).</p>
      <Table caption="Who has looked at this" columns={columns} rows={views} rowKey={(v) => String(v.id)} empty="Nobody has opened it yet." />
    </section>
  );
}

function sourceWords(source: string) {
  return source === 'api' ? ' (sent by another system)' : source === 'device_loss' ? ' (opened from a lost device report)' : '';
}

function FullRecord({
  record,
  now,
  errors,
  values,
  canRecordNonCompliance,
  linkedVisible,
}: {
  record: Full;
  now: Date;
  errors?: FieldErrors;
  values?: FormValues;
  canRecordNonCompliance: boolean;
  linkedVisible: Set<string>;
}) {
  const { concern } = record;
  const ref = concern.reference;
  const closed = concern.status === 'closed';
  const linkedConcerns = record.linkedConcerns.filter((l) => linkedVisible.has(l.id));
  const rows = [
    { key: 'Status', value: <StatusTag status={concern.status} /> },
    { key: 'Type', value: typeLabel(concern.type) },
    { key: 'School', value: record.school },
    { key: 'When it happened', value: formatDateTime(concern.occurredAt) },
    { key: 'Where', value: concern.location ?? '' },
    {
      key: 'Reported',
      value: `${formatDateTime(concern.createdAt)} by ${record.reporter?.fullName ?? 'someone no longer in the directory'}${sourceWords(concern.source)}`,
    },
    { key: 'What was reported', value: <Paragraphs text={concern.what} className="govuk-body" /> },
    {
      key: 'People from the directory',
      action: closed ? undefined : { href: concernUrl(ref, '/people/new'), label: 'Add a person' },
      value: record.linked.length ? (
        <ul className="govuk-list">
          {record.linked.map((p) => (
            <li key={p.personId}>
              {p.fullName}
              {p.position ? `, ${p.position}` : ''}: {CONCERN_PARTS[p.part] ?? p.part}
            </li>
          ))}
        </ul>
      ) : (
        ''
      ),
    },
    { key: 'Anyone else involved', value: concern.othersInvolved ? <Paragraphs text={concern.othersInvolved} /> : '' },
    {
      key: 'Routed to',
      value: record.recipients.length ? (
        <ul className="govuk-list">
          {record.recipients.map((r) => (
            <li key={r.personId}>
              {r.fullName}, as {r.reason}:{' '}
              {r.notifiedAt ? `told ${formatDateTime(r.notifiedAt)}` : <span className="cs-muted">waiting for the daily summary</span>}
            </li>
          ))}
        </ul>
      ) : (
        <span className="cs-muted">Nobody held the roles it goes to when it was reported</span>
      ),
    },
    {
      key: 'Assigned to',
      value: record.assignee?.fullName ?? <span className="cs-muted">Nobody yet</span>,
      action: closed ? undefined : { href: concernUrl(ref, '/assign'), label: record.assignee ? 'Change' : 'Assign' },
    },
    ...(closed
      ? [
          { key: 'Outcome', value: concern.outcome ? (OUTCOMES[concern.outcome as keyof typeof OUTCOMES] ?? concern.outcome) : '' },
          { key: 'Reasons for the decision', value: <Paragraphs text={concern.rationale} /> },
          { key: 'Closed', value: formatDateTime(concern.closedAt) },
        ]
      : []),
  ];
  return (
    <Layout
      title={titleFor(ref, errors)}
      breadcrumbs={[
        { href: '/', label: 'Home' },
        { href: '/concerns', label: 'Concerns' },
      ]}
    >
      <ErrorSummary errors={errors} />
      <PageHeading
        caption={typeLabel(concern.type)}
        actions={
          <>
            <StatusButtons concern={concern} />
            {!closed && (
              <a href={concernUrl(ref, '/assign')} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                Assign
              </a>
            )}
            {canRecordNonCompliance && (
              <a href={`/non-compliance/new?concern=${encodeURIComponent(ref)}`} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                Record non-compliance
              </a>
            )}
          </>
        }
      >
        {ref}
      </PageHeading>
      {errors?.to && (
        <p className="govuk-error-message" id="f-to">
          <span className="govuk-visually-hidden">Error:</span> {errors.to}
        </p>
      )}
      <p className="govuk-body">
        <StatusTag status={concern.status} />
        {concern.urgent && !closed && (
          <>
            {' '}
            <Tag tone="red">Urgent</Tag>
          </>
        )}
      </p>
      <SummaryList rows={rows} />
      {concern.type === 'data_breach' && <BreachPanel record={record} />}
      {concern.type === 'device_lost' && <DeviceLossPanel record={record} />}
      {linkedConcerns.length > 0 && (
        <section aria-labelledby="linked">
          <h2 className="govuk-heading-m" id="linked">
            Linked concerns
          </h2>
          <ul className="govuk-list">
            {linkedConcerns.map((l) => (
              <li key={l.id}>
                <a className="govuk-link" href={concernUrl(l.reference)}>
                  {l.reference}
                </a>
                : {typeLabel(l.type)}
              </li>
            ))}
          </ul>
        </section>
      )}
      <Actions record={record} now={now} errors={errors} />
      <Attachments record={record} />
      <section aria-labelledby="chronology">
        <h2 className="govuk-heading-m" id="chronology">
          Chronology
        </h2>
        <p className="govuk-body">
          Every entry stays as it was written. To put something right, add a correction: it is a new entry that names the one it corrects.
        </p>
        <Chronology entries={record.entries} reference={ref} />
        <Form action={concernUrl(ref, '/notes')}>
          <Textarea
            name="note"
            label="Add a note"
            hint="What was done, said or decided, by whom. Use full names. The note is added to the chronology and cannot be changed."
            rows={4}
            errors={errors}
            values={values}
          />
          <Button secondary>Add note</Button>
        </Form>
      </section>
      {record.canSeeViews && <Views views={record.views} />}
    </Layout>
  );
}

export function ConcernRecordPage(props: {
  record: ConcernRecord;
  now: Date;
  errors?: FieldErrors;
  values?: FormValues;
  canRecordNonCompliance?: boolean;
  linkedVisible?: Set<string>;
}) {
  const { record } = props;
  if (record.limited) return <LimitedRecord record={record} />;
  return (
    <FullRecord
      record={record}
      now={props.now}
      errors={props.errors}
      values={props.values}
      canRecordNonCompliance={props.canRecordNonCompliance ?? false}
      linkedVisible={props.linkedVisible ?? new Set()}
    />
  );
}

// ---------------------------------------------------------------------------------------------
// Triage pages: one question each, with the record's breadcrumbs and a way back.

function TriagePage({
  concern,
  title,
  errors,
  children,
}: {
  concern: Pick<ConcernRow, 'reference' | 'type'>;
  title: string;
  errors?: FieldErrors;
  children: ReactNode;
}) {
  const crumbs: Crumb[] = [
    { href: '/', label: 'Home' },
    { href: '/concerns', label: 'Concerns' },
    { href: concernUrl(concern.reference), label: concern.reference },
  ];
  return (
    <Layout title={titleFor(`${title}: ${concern.reference}`, errors)} breadcrumbs={crumbs}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">{concern.reference}</span>
          <h1 className="govuk-heading-l">{title}</h1>
          {children}
        </div>
      </div>
    </Layout>
  );
}

const outcomeOptions = Object.entries(OUTCOMES).map(([value, label]) => ({ value, label }));

export function CloseConcernPage({ concern, errors, values }: { concern: ConcernRow; errors?: FieldErrors; values?: FormValues }) {
  return (
    <TriagePage concern={concern} title="Close the concern" errors={errors}>
      <Form action={concernUrl(concern.reference, '/status')}>
        <input type="hidden" name="to" value="closed" />
        <Radios name="outcome" label="Outcome" options={outcomeOptions} errors={errors} values={values} />
        <Textarea
          name="rationale"
          label="Reasons for the decision"
          hint="The reasons for the decision, including a decision not to refer: what was considered, who was consulted, and why this outcome."
          rows={8}
          errors={errors}
          values={values}
        />
        <ButtonGroup>
          <Button>Continue</Button>
          <CancelLink href={concernUrl(concern.reference)} />
        </ButtonGroup>
      </Form>
    </TriagePage>
  );
}

/** What closing will do, before it is done. */
export function CloseConfirmPage({ concern, move }: { concern: ConcernRow; move: Extract<StatusMove, { to: 'closed' }> }) {
  return (
    <TriagePage concern={concern} title="Check before you close it">
      <SummaryList
        rows={[
          { key: 'Concern', value: `${concern.reference}: ${typeLabel(concern.type)}` },
          { key: 'Outcome', value: OUTCOMES[move.outcome] },
          { key: 'Reasons for the decision', value: <Paragraphs text={move.rationale} /> },
        ]}
      />
      <p className="govuk-body">Closing {concern.reference} will:</p>
      <ul className="govuk-list govuk-list--bullet">
        <li>set its status to closed, which the person who reported it will see</li>
        <li>add the outcome and your reasons to its chronology, under your name, where they cannot be changed or removed</li>
        <li>take it off the open lists and the home pages of the people working on it</li>
      </ul>
      <p className="govuk-body">It can be reopened later, with a reason. Actions not yet done stay open.</p>
      <Form action={concernUrl(concern.reference, '/status')}>
        <input type="hidden" name="to" value="closed" />
        <input type="hidden" name="outcome" value={move.outcome} />
        <input type="hidden" name="rationale" value={move.rationale} />
        <ButtonGroup>
          <Button name="confirm" value="yes">
            Close the concern
          </Button>
          <Button name="confirm" value="change" secondary>
            Change the answers
          </Button>
          <CancelLink href={concernUrl(concern.reference)} />
        </ButtonGroup>
      </Form>
    </TriagePage>
  );
}

export function ReopenConcernPage({ concern, errors, values }: { concern: ConcernRow; errors?: FieldErrors; values?: FormValues }) {
  return (
    <TriagePage concern={concern} title="Reopen the concern" errors={errors}>
      <p className="govuk-body">It goes back to in progress. The outcome and reasons recorded when it was closed stay in the chronology.</p>
      <Form action={concernUrl(concern.reference, '/status')}>
        <input type="hidden" name="to" value="in_progress" />
        <Textarea name="reason" label="Why is it being reopened?" rows={5} errors={errors} values={values} />
        <ButtonGroup>
          <Button>Reopen</Button>
          <CancelLink href={concernUrl(concern.reference)} />
        </ButtonGroup>
      </Form>
    </TriagePage>
  );
}

const personOption = (c: Candidate) => ({ value: c.id, label: `${c.fullName}${c.position ? `, ${c.position}` : ''} (${c.email})` });

export function AssignPage({
  concern,
  candidates,
  errors,
  values,
}: {
  concern: ConcernRow;
  candidates: Candidate[];
  errors?: FieldErrors;
  values?: FormValues;
}) {
  const options = [
    ...(concern.assigneeId ? [{ value: 'none', label: 'Nobody (take it off the person it is assigned to)' }] : []),
    ...candidates.map(personOption),
  ];
  return (
    <TriagePage concern={concern} title="Assign the concern" errors={errors}>
      <Form action={concernUrl(concern.reference, '/assign')}>
        <Select
          name="assignee"
          label="Who will handle it?"
          hint="Only people who can open this concern are listed: the roles it goes to at its school or across the trust, and the people it was routed to. They are emailed a link."
          emptyLabel="Choose a person"
          options={options}
          errors={errors}
          values={values ?? { assignee: concern.assigneeId ?? '' }}
        />
        <ButtonGroup>
          <Button>Assign</Button>
          <CancelLink href={concernUrl(concern.reference)} />
        </ButtonGroup>
      </Form>
    </TriagePage>
  );
}

export function CorrectionPage({ concern, entry, errors, values }: { concern: ConcernRow; entry: Entry | null; errors?: FieldErrors; values?: FormValues }) {
  return (
    <TriagePage concern={concern} title={entry ? `Correct entry ${entry.seq}` : 'Correct an entry'} errors={errors}>
      <p className="govuk-body">The entry stays as it was written. Your correction is added to the chronology as a new entry that names it.</p>
      {entry && (
        <InsetText>
          <p className="govuk-body-s cs-muted">
            Entry {entry.seq}, {ENTRY_KINDS[entry.kind] ?? entry.kind}: {formatDateTime(entry.at)} · {entry.authorName}
          </p>
          <Paragraphs text={entry.text} />
        </InsetText>
      )}
      <Form action={concernUrl(concern.reference, '/corrections')}>
        {entry && !errors?.seq ? (
          <input type="hidden" name="seq" value={String(entry.seq)} />
        ) : (
          <TextInput name="seq" label="Number of the entry you are correcting" width="5" inputMode="numeric" errors={errors} values={values} />
        )}
        <Textarea name="text" label="The correction" hint="What is wrong, what is right, and how you know." rows={6} errors={errors} values={values} />
        <ButtonGroup>
          <Button>Add the correction</Button>
          <CancelLink href={concernUrl(concern.reference, '#chronology')} />
        </ButtonGroup>
      </Form>
    </TriagePage>
  );
}

export function ActionPage({
  concern,
  candidates,
  errors,
  values,
}: {
  concern: ConcernRow;
  candidates: Candidate[];
  errors?: FieldErrors;
  values?: FormValues;
}) {
  return (
    <TriagePage concern={concern} title="Add an action" errors={errors}>
      <Form action={concernUrl(concern.reference, '/actions')}>
        <Textarea name="text" label="What needs to be done?" rows={3} errors={errors} values={values} />
        <Select
          name="owner"
          label="Who will do it?"
          hint="Only people who can open this concern are listed. They are emailed a link, and it is on their home page until it is done."
          emptyLabel="Choose a person"
          options={candidates.map(personOption)}
          errors={errors}
          values={values}
        />
        <DateInput name="dueOn" label="When is it due?" hint="For example, 27 3 2027" errors={errors} values={values} />
        <ButtonGroup>
          <Button>Add the action</Button>
          <CancelLink href={concernUrl(concern.reference, '#actions')} />
        </ButtonGroup>
      </Form>
    </TriagePage>
  );
}

export function PersonPage({
  concern,
  directory,
  errors,
  values,
}: {
  concern: ConcernRow;
  directory: { fullName: string; email: string }[];
  errors?: FieldErrors;
  values?: FormValues;
}) {
  return (
    <TriagePage concern={concern} title="Link a person" errors={errors}>
      <Form action={concernUrl(concern.reference, '/people')}>
        <DirectoryList id="directory" people={directory} />
        <TextInput
          name="person"
          label="Who?"
          hint="Start typing their name and choose them from the list. Pupils and visitors are not in the directory: add them in a note, by full name."
          list="directory"
          autoComplete="off"
          spellCheck={false}
          errors={errors}
          values={values}
        />
        <Radios
          name="part"
          label="Their part"
          options={Object.entries(CONCERN_PARTS).map(([value, label]) => ({ value, label }))}
          errors={errors}
          values={values}
        />
        <ButtonGroup>
          <Button>Link the person</Button>
          <CancelLink href={concernUrl(concern.reference)} />
        </ButtonGroup>
      </Form>
    </TriagePage>
  );
}

export function AttachPage({ concern, allowed, errors }: { concern: ConcernRow; allowed: boolean; errors?: FieldErrors }) {
  return (
    <TriagePage concern={concern} title="Attach a file" errors={errors}>
      {allowed ? (
        <Form action={concernUrl(concern.reference, '/attachments')} multipart>
          <FileUpload
            name="attachments"
            label="Choose a file"
            hint={`${ATTACHMENT_TYPES}, up to 5 MB. Up to ${MAX_ATTACHMENTS} files at a time. Its SHA-256 fingerprint is recorded in the chronology.`}
            errors={errors}
          />
          <ButtonGroup>
            <Button>Attach</Button>
            <CancelLink href={concernUrl(concern.reference, '#attachments')} />
          </ButtonGroup>
        </Form>
      ) : (
        <WarningText>Do not attach copies of suspected illegal content. Leave the device as it is and record in a note where it is and who has it.</WarningText>
      )}
    </TriagePage>
  );
}
