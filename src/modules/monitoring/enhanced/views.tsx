import type { FieldErrors } from '../../../errors.ts';
import { type Column, InsetText, PageHeading, Paragraphs, SummaryList, Table, Tag, type Tone } from '../../../ui/components.tsx';
import { formatDate, formatDateTime } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, DateInput, DirectoryList, ErrorSummary, Form, type FormValues, Textarea, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { addDays } from '../../policies/reviews/service.ts';
import { type EnhancedList, type EnhancedStatus, MAX_MONTHS, type PeriodItem, REASON_MAX } from './service.ts';

const HOME = { href: '/', label: 'Home' };
const LIST = { href: '/monitoring/enhanced', label: 'Enhanced monitoring' };
/** One line of at most `max` characters, with an ellipsis when cut. */
const shorten = (text: string, max: number) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
};
const titled = (heading: string, errors?: FieldErrors) => (errors && Object.keys(errors).length ? `Error: ${heading}` : heading);

const STATUS: Record<EnhancedStatus, { label: string; tone: Tone }> = {
  current: { label: 'In force', tone: 'red' },
  upcoming: { label: 'Starts later', tone: 'blue' },
  ended: { label: 'Ended', tone: 'grey' },
};
export const StatusTag = ({ status }: { status: EnhancedStatus }) => <Tag tone={STATUS[status].tone}>{STATUS[status].label}</Tag>;

export const periodUrl = (id: string, suffix = '') => `/monitoring/enhanced/${id}${suffix}`;

function Ended({ item }: { item: PeriodItem }) {
  const p = item.period;
  if (!p.endedAt) return <>Ended on {formatDate(p.endsOn)}, as set</>;
  return (
    <>
      Ended early on {formatDate(p.endedAt)} by {item.endedByName ?? 'an administrator'}
      {p.endReason && (
        <>
          <br />
          <span className="govuk-body-s">{shorten(p.endReason, 160)}</span>
        </>
      )}
    </>
  );
}

export function EnhancedListPage({ data }: { data: EnhancedList }) {
  const base: Column<PeriodItem>[] = [
    {
      header: 'Person',
      cell: (r) => (
        <a className="govuk-link" href={periodUrl(r.period.id)}>
          {r.personName}
        </a>
      ),
    },
    { header: 'School', cell: (r) => r.schools.join(', ') || <span className="cs-muted">Central team</span> },
    { header: 'From', cell: (r) => formatDate(r.period.startsOn) },
    { header: 'To', cell: (r) => formatDate(r.period.endsOn) },
    {
      header: 'Set by',
      cell: (r) => (
        <>
          {r.setByName ?? 'Unknown'}
          <br />
          <span className="govuk-body-s cs-muted">{formatDate(r.period.setAt)}</span>
        </>
      ),
    },
    { header: 'Reason', cell: (r) => shorten(r.period.reason, 160) },
  ];
  const live: Column<PeriodItem>[] = [
    ...base,
    {
      header: 'Action',
      cell: (r) =>
        r.canEnd && (
          <a className="govuk-link" href={periodUrl(r.period.id, '/end')}>
            End early<span className="govuk-visually-hidden"> the enhanced monitoring of {r.personName}</span>
          </a>
        ),
    },
  ];
  const ended: Column<PeriodItem>[] = [...base, { header: 'Ended', cell: (r) => <Ended item={r} /> }];
  return (
    <Layout title="Enhanced monitoring" breadcrumbs={[HOME]}>
      <PageHeading
        actions={
          data.canSet ? (
            <a href="/monitoring/enhanced/new" className="govuk-button" data-module="govuk-button">
              Set enhanced monitoring
            </a>
          ) : undefined
        }
      >
        Enhanced monitoring
      </PageHeading>
      <p className="govuk-body">
        During an investigation the head teacher can put a member of staff under enhanced monitoring for up to {MAX_MONTHS} months. While it is in force their
        monitoring alerts are raised one step (low to medium, medium to high), and rules that apply only to people under enhanced monitoring apply to them. The
        person is not told and cannot see it here.
      </p>
      <h2 className="govuk-heading-m">In force ({data.current.length})</h2>
      <Table caption="In force" columns={live} rows={data.current} rowKey={(r) => r.period.id} empty="Nobody is under enhanced monitoring." />
      <h2 className="govuk-heading-m">Starting later ({data.upcoming.length})</h2>
      <Table caption="Starting later" columns={live} rows={data.upcoming} rowKey={(r) => r.period.id} empty="No periods start later." />
      <h2 className="govuk-heading-m">Ended</h2>
      <Table caption="Ended" columns={ended} rows={data.ended} rowKey={(r) => r.period.id} empty="No periods have ended yet." />
    </Layout>
  );
}

function PeriodSummary({ item }: { item: PeriodItem }) {
  const p = item.period;
  return (
    <SummaryList
      rows={[
        { key: 'Person', value: item.personName },
        { key: 'School', value: item.schools.join(', ') || 'Central team' },
        { key: 'Status', value: <StatusTag status={item.status} /> },
        { key: 'From', value: formatDate(p.startsOn) },
        { key: 'To', value: formatDate(p.endsOn) },
        { key: 'Set by', value: `${item.setByName ?? 'Unknown'} on ${formatDateTime(p.setAt)}` },
        { key: 'Reason', value: <Paragraphs text={p.reason} /> },
        ...(p.endedAt
          ? [
              { key: 'Ended early', value: `On ${formatDateTime(p.endedAt)} by ${item.endedByName ?? 'an administrator'}` },
              { key: 'Why it ended', value: <Paragraphs text={p.endReason} /> },
            ]
          : []),
      ]}
    />
  );
}

export function PeriodPage({ item }: { item: PeriodItem }) {
  const heading = `Enhanced monitoring of ${item.personName}`;
  return (
    <Layout title={heading} breadcrumbs={[HOME, LIST]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <h1 className="govuk-heading-l">{heading}</h1>
          <PeriodSummary item={item} />
          {item.canEnd && (
            <ButtonGroup>
              <a href={periodUrl(item.period.id, '/end')} className="govuk-button govuk-button--warning" data-module="govuk-button">
                End early
              </a>
              <a
                className="govuk-link"
                href={`/monitoring/enhanced/new?${new URLSearchParams({ person: `${item.personName} (${item.personEmail})`, startsOn: addDays(item.period.endsOn, 1) })}`}
              >
                Set a further period
              </a>
            </ButtonGroup>
          )}
        </div>
      </div>
    </Layout>
  );
}

export function SetPage({ directory, errors, values }: { directory: { fullName: string; email: string }[]; errors?: FieldErrors; values: FormValues }) {
  const heading = 'Set enhanced monitoring';
  return (
    <Layout title={titled(heading, errors)} breadcrumbs={[HOME, LIST]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            For a member of staff of your school during an investigation. Their alerts will be raised one step, and the DSL team, the head teachers of their
            schools and the trust’s DSL team will see the period and your reason. They will not be told.
          </p>
          <Form action="/monitoring/enhanced/new">
            <DirectoryList id="directory" people={directory} />
            <TextInput
              name="person"
              label="Person"
              hint="Start typing their name and choose them from the list"
              list="directory"
              autoComplete="off"
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <DateInput name="startsOn" label="Start date" hint="Today or later, for example 3 3 2027" errors={errors} values={values} />
            <DateInput
              name="endsOn"
              label="End date"
              hint={`The last day it is in force, no more than ${MAX_MONTHS} months after the start. You can end it early.`}
              errors={errors}
              values={values}
            />
            <Textarea
              name="reason"
              label="Reason"
              hint={`Why it is needed, for example the investigation it is part of. Up to ${REASON_MAX.toLocaleString('en-GB')} characters.`}
              rows={5}
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>Set enhanced monitoring</Button>
              <CancelLink href="/monitoring/enhanced" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export function EndPage({ item, errors, values }: { item: PeriodItem; errors?: FieldErrors; values: FormValues }) {
  const heading = `End the enhanced monitoring of ${item.personName} early`;
  return (
    <Layout title={titled(heading, errors)} breadcrumbs={[HOME, LIST]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          <PeriodSummary item={item} />
          {item.status === 'ended' ? (
            <InsetText>This period has already ended.</InsetText>
          ) : (
            <Form action={periodUrl(item.period.id, '/end')}>
              <Textarea
                name="reason"
                label="Why is it ending early?"
                hint={`For example, the investigation has finished. Up to ${REASON_MAX.toLocaleString('en-GB')} characters.`}
                rows={4}
                errors={errors}
                values={values}
              />
              <ButtonGroup>
                <Button warning>End enhanced monitoring now</Button>
                <CancelLink href={periodUrl(item.period.id)} />
              </ButtonGroup>
            </Form>
          )}
        </div>
      </div>
    </Layout>
  );
}
