import type { FieldErrors } from '../../../../errors.ts';
import { type Column, InsetText, PageHeading, Pagination, Paragraphs, SummaryList, type SummaryRow, Table, Tag } from '../../../../ui/components.tsx';
import { formatDate, formatDateTime, plural } from '../../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, ErrorSummary, Form, type FormValues, Radios, Select, Textarea } from '../../../../ui/forms.tsx';
import { Layout } from '../../../../ui/layout.tsx';
import { dueCountdown, dueTone } from '../../../acknowledgements/signing/service.ts';
import { CONCERN_PARTS } from '../../../concerns/schema.ts';
import { CONCERN_STATUSES, CONCERN_TYPES, type ConcernStatus, typeLabel } from '../../../concerns/types.ts';
import { categoryLabel } from '../../events.ts';
import { ALERT_OUTCOMES, ALERT_SEVERITIES, type AlertOutcome, RULE_KINDS } from '../../schema.ts';
import { audienceLabel } from '../audience.ts';
import {
  type AgreementStatus,
  type AlertPage,
  type AlertRow,
  allowedActions,
  DEFAULT_ESCALATION_TYPE,
  EVENTS_PAGE_SIZE,
  entryKindLabel,
  NOTE_MAX,
  PREVIOUS_ALERT_DAYS,
} from '../service.ts';
import { ALERTS_CRUMBS, alertHref, SeverityTag, StatusTag, titleFor } from './shared.tsx';

type Event = AlertPage['events'][number];
type Previous = AlertPage['previous'][number];

function Agreement({ a, today }: { a: AgreementStatus; today: string }) {
  const name = `${a.policyTitle} ${a.versionLabel}`;
  if (a.signedAt) return <>{`Signed ${name} on ${formatDate(a.signedAt)}`}</>;
  return (
    <>
      {`Not signed: ${name}, due ${formatDate(a.dueOn)}${a.overdue ? ' (overdue)' : ''}`}{' '}
      <Tag tone={dueTone(a.dueOn, today)}>{dueCountdown(a.dueOn, today)}</Tag>
    </>
  );
}

function PersonSection({ data }: { data: AlertPage }) {
  const { alert, person } = data;
  if (!person) {
    return (
      <section aria-labelledby="h-person" className="govuk-!-margin-bottom-8">
        <h2 className="govuk-heading-m" id="h-person">
          Who it is about
        </h2>
        <SummaryList
          rows={[
            { key: 'Username', value: alert.username ?? 'None sent' },
            { key: 'Computer', value: alert.ip ?? '' },
          ]}
        />
        <p className="govuk-body">
          {alert.username
            ? 'This username is not matched to anyone in the staff directory: it may be a pupil or a shared account. The trust’s administrator can match it to a person on the monitoring source’s page.'
            : 'The source sent no username, so the alert is about the computer at this address.'}
        </p>
      </section>
    );
  }
  const rows: SummaryRow[] = [
    { key: 'Name', value: person.fullName },
    { key: 'Email', value: person.email },
    { key: 'Position', value: person.position ?? '' },
    { key: 'Schools', value: person.schools.length ? person.schools.join(', ') : <span className="cs-muted">The central team</span> },
    ...(person.endDate ? [{ key: 'Left', value: formatDate(person.endDate) }] : []),
    ...(alert.username ? [{ key: 'Username', value: alert.username }] : []),
    {
      key: 'Agreements',
      value: person.agreements.length ? (
        <ul className="govuk-list" data-agreements="">
          {person.agreements.map((a) => (
            <li key={a.assignmentId}>
              <Agreement a={a} today={data.today} />
            </li>
          ))}
        </ul>
      ) : (
        <span className="cs-muted">Nothing to sign: no agreement is assigned to them</span>
      ),
    },
    {
      key: 'Under enhanced monitoring',
      value: person.enhanced ? (
        <>
          <Tag tone="purple">Yes</Tag> from {formatDate(person.enhanced.startsOn)} to {formatDate(person.enhanced.endsOn)}
        </>
      ) : (
        'No'
      ),
    },
    {
      key: 'Open concerns',
      value: person.openConcerns.length ? (
        <ul className="govuk-list" data-open-concerns="">
          {person.openConcerns.map((c) => (
            <li key={c.id}>
              <a className="govuk-link" href={`/concerns/${c.reference}`}>
                {c.reference}
              </a>
              : {typeLabel(c.type)}, {CONCERN_STATUSES[c.status as ConcernStatus]?.label.toLowerCase() ?? c.status} ({CONCERN_PARTS[c.part]})
            </li>
          ))}
        </ul>
      ) : (
        <span className="cs-muted">None that you can open</span>
      ),
    },
  ];
  return (
    <section aria-labelledby="h-person" className="govuk-!-margin-bottom-8">
      <h2 className="govuk-heading-m" id="h-person">
        Who it is about
      </h2>
      <SummaryList rows={rows} />
    </section>
  );
}

function PreviousAlerts({ rows }: { rows: Previous[] }) {
  const columns: Column<Previous>[] = [
    {
      header: 'Alert',
      cell: (p) => (
        <a className="govuk-link" href={alertHref(p.reference)}>
          {p.reference}
        </a>
      ),
    },
    { header: 'First event', cell: (p) => formatDateTime(p.firstEventAt) },
    { header: 'Category', cell: (p) => categoryLabel(p.category) },
    { header: 'Severity', cell: (p) => <SeverityTag severity={p.severity} /> },
    { header: 'Events', cell: (p) => p.eventCount.toLocaleString('en-GB'), numeric: true },
    {
      header: 'Status',
      cell: (p) => (
        <>
          <StatusTag status={p.status} />
          {p.outcome ? ` ${p.outcome === 'true_positive' ? 'True positive' : 'False positive'}` : ''}
        </>
      ),
    },
  ];
  return (
    <section aria-labelledby="h-previous" className="govuk-!-margin-bottom-8">
      <h2 className="govuk-heading-m" id="h-previous">
        Earlier alerts about them
      </h2>
      <p className="govuk-body">Other alerts in the last {PREVIOUS_ALERT_DAYS} days that you can open.</p>
      <Table caption="Earlier alerts about them" columns={columns} rows={rows} rowKey={(p) => p.id} empty={`None in the last ${PREVIOUS_ALERT_DAYS} days.`} />
    </section>
  );
}

function Events({ data }: { data: AlertPage }) {
  const { alert, events, eventsStored, eventsPage } = data;
  const columns: Column<Event>[] = [
    { header: 'When', cell: (e) => formatDateTime(e.occurredAt) },
    { header: 'Address or detail', cell: (e) => <span className="cs-hash">{e.url ?? e.detail ?? ''}</span> },
    {
      header: 'Allowed or blocked',
      cell: (e) => (e.action === 'blocked' ? 'Blocked' : e.action === 'allowed' ? 'Allowed' : <span className="cs-muted">Not sent</span>),
    },
    { header: 'Device', cell: (e) => e.device ?? '' },
    { header: 'Computer', cell: (e) => e.ip ?? '' },
    { header: 'What matched', cell: (e) => e.matched },
  ];
  const from = (eventsPage - 1) * EVENTS_PAGE_SIZE + 1;
  const to = Math.min(eventsStored, eventsPage * EVENTS_PAGE_SIZE);
  return (
    <section aria-labelledby="h-events" className="govuk-!-margin-bottom-8">
      <h2 className="govuk-heading-m" id="h-events">
        Events
      </h2>
      <p className="govuk-body" data-events-count="">
        {eventsStored > 0 ? `Showing ${from} to ${to} of ${plural(eventsStored, 'stored event')}, newest first.` : 'No events are stored.'}
        {alert.eventCount > eventsStored &&
          ` The alert counted ${plural(alert.eventCount, 'event')} in all; only the first ${eventsStored.toLocaleString('en-GB')} are kept one by one.`}
      </p>
      <Table caption="Events" columns={columns} rows={events} rowKey={(e) => e.id} empty="No events on this page." />
      <Pagination
        page={eventsPage}
        pageSize={EVENTS_PAGE_SIZE}
        total={eventsStored}
        href={(p) => alertHref(alert.reference, p > 1 ? `?events=${p}#h-events` : '#h-events')}
      />
    </section>
  );
}

function History({ data }: { data: AlertPage }) {
  return (
    <section aria-labelledby="h-history" className="govuk-!-margin-bottom-8">
      <h2 className="govuk-heading-m" id="h-history">
        History
      </h2>
      <ol className="cs-todo-list" aria-label="History entries">
        {data.history.map((h) => (
          <li key={h.id}>
            <h3 className="govuk-heading-s govuk-!-margin-bottom-1">{entryKindLabel(h.kind)}</h3>
            <p className="govuk-body-s cs-muted govuk-!-margin-bottom-2">
              {formatDateTime(h.at)} · {h.by ? (h.byName ?? 'Someone no longer in the directory') : 'Countersign'}
            </p>
            <Paragraphs text={h.text} />
          </li>
        ))}
      </ol>
    </section>
  );
}

const outcomeOptions = (Object.entries(ALERT_OUTCOMES) as [AlertOutcome, string][]).map(([value, label]) => ({ value, label }));

function Triage({ alert, errors, values }: { alert: AlertRow; errors?: FieldErrors; values?: FormValues }) {
  const can = allowedActions(alert);
  if (alert.status === 'closed') return null;
  const ref = alert.reference;
  return (
    <section aria-labelledby="h-triage" className="govuk-!-margin-bottom-8">
      <h2 className="govuk-heading-m" id="h-triage">
        Triage
      </h2>
      {can.acknowledge && (
        <Form action={alertHref(ref, '/acknowledge')}>
          <p className="govuk-body">Acknowledge it so the rest of the team can see someone is looking at it.</p>
          <Button>Acknowledge</Button>
        </Form>
      )}
      <Form action={alertHref(ref, '/outcome')}>
        <Radios
          name="outcome"
          label={alert.outcome ? 'Change the outcome' : 'Is it a real concern?'}
          hint="You can change it until the alert is closed."
          options={outcomeOptions}
          errors={errors}
          values={{ outcome: alert.outcome ?? undefined, note: alert.outcomeNote ?? undefined, ...values }}
        />
        <Textarea
          name="note"
          label="Note"
          hint={`Needed for a false positive: why it is nothing of concern, so the rule can be made quieter. Up to ${NOTE_MAX.toLocaleString('en-GB')} characters.`}
          rows={3}
          errors={errors}
          values={{ note: alert.outcomeNote ?? undefined, ...values }}
        />
        <Button secondary>Record the outcome</Button>
      </Form>
      {can.escalate && (
        <>
          <h3 className="govuk-heading-s">Escalate</h3>
          <p className="govuk-body">Make it a concern for the safeguarding team, with this alert’s details. The alert is closed as a true positive.</p>
          <p className="govuk-body">
            <a href={alertHref(ref, '/escalate')} className="govuk-button govuk-button--secondary" data-module="govuk-button">
              Escalate to a concern
            </a>
          </p>
        </>
      )}
      {can.close && (
        <Form action={alertHref(ref, '/close')}>
          <h3 className="govuk-heading-s">Close</h3>
          <Textarea
            name="closeNote"
            label="Closing note (optional)"
            hint="Anything done or decided. A closed alert cannot be changed or reopened."
            rows={3}
            errors={errors}
            values={values}
          />
          <Button>Close the alert</Button>
        </Form>
      )}
    </section>
  );
}

export function AlertPageView({ data, errors, values }: { data: AlertPage; errors?: FieldErrors; values?: FormValues }) {
  const { alert, rule } = data;
  const ref = alert.reference;
  const ruleValue = (
    <>
      {data.canSeeRule ? (
        <a className="govuk-link" href={`/monitoring/rules/${alert.ruleId}`}>
          {rule?.name ?? alert.ruleName}
        </a>
      ) : (
        (rule?.name ?? alert.ruleName)
      )}
      {rule && (
        <span className="govuk-body-s">
          {' '}
          ({RULE_KINDS[rule.kind]}; now {ALERT_SEVERITIES[rule.severity].label.toLowerCase()} severity,{' '}
          {rule.enabled ? 'switched on' : <strong>switched off</strong>})
        </span>
      )}
      {rule && rule.name !== alert.ruleName && <span className="govuk-body-s cs-muted"> Called “{alert.ruleName}” when the alert was raised.</span>}
    </>
  );
  const rows: SummaryRow[] = [
    { key: 'Status', value: <StatusTag status={alert.status} /> },
    {
      key: 'Severity',
      value: (
        <>
          <SeverityTag severity={alert.severity} />
          {alert.enhanced && ' Raised one step: they were under enhanced monitoring'}
        </>
      ),
    },
    { key: 'Category', value: categoryLabel(alert.category) },
    { key: 'Rule', value: ruleValue },
    { key: 'Source', value: data.sourceName },
    { key: 'School', value: data.schoolName ?? <span className="cs-muted">None: the trust’s team</span> },
    { key: 'First event', value: formatDateTime(alert.firstEventAt) },
    { key: 'Last event', value: formatDateTime(alert.lastEventAt) },
    { key: 'Events', value: alert.eventCount.toLocaleString('en-GB') },
    { key: 'Goes to', value: audienceLabel(alert.audience) },
    {
      key: 'Emailed',
      value: alert.notifiedAt ? (
        formatDateTime(alert.notifiedAt)
      ) : (
        <span className="cs-muted">{alert.severity === 'high' ? 'Not yet' : 'Waiting for the daily summary'}</span>
      ),
    },
    ...(alert.outcome
      ? [
          { key: 'Outcome', value: ALERT_OUTCOMES[alert.outcome] },
          { key: 'Outcome note', value: alert.outcomeNote ? <Paragraphs text={alert.outcomeNote} /> : '' },
        ]
      : []),
    ...(alert.closedAt ? [{ key: 'Closed', value: formatDateTime(alert.closedAt) }] : []),
  ];
  return (
    <Layout title={titleFor(`Alert ${ref}`, errors)} breadcrumbs={ALERTS_CRUMBS}>
      <ErrorSummary errors={errors} />
      <PageHeading caption="Monitoring alert">{ref}</PageHeading>
      {errors?.status && (
        <p className="govuk-error-message" id="f-status">
          <span className="govuk-visually-hidden">Error:</span> {errors.status}
        </p>
      )}
      <p className="govuk-body">
        <StatusTag status={alert.status} /> <SeverityTag severity={alert.severity} />
        {alert.enhanced && (
          <>
            {' '}
            <Tag tone="purple">Enhanced monitoring</Tag>
          </>
        )}
      </p>
      {data.concern && (
        <InsetText>
          <p className="govuk-body" data-concern="">
            Escalated to concern{' '}
            <a className="govuk-link" href={`/concerns/${data.concern.reference}`}>
              {data.concern.reference}
            </a>
            : {typeLabel(data.concern.type)}.
          </p>
        </InsetText>
      )}
      <SummaryList rows={rows} />
      {/* Who it is about and what they did come before the decision, so triage is made knowing them. */}
      <PersonSection data={data} />
      <Events data={data} />
      <PreviousAlerts rows={data.previous} />
      <Triage alert={alert} errors={errors} values={values} />
      <History data={data} />
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Escalation

export type EscalateData = {
  alert: AlertRow;
  types: (keyof typeof CONCERN_TYPES)[];
  needsSchool: boolean;
  schools: { id: string; name: string }[];
  what: string;
};

export function EscalatePage({ data, errors, values }: { data: EscalateData; errors?: FieldErrors; values?: FormValues }) {
  const ref = data.alert.reference;
  const shown: FormValues = values ?? { type: DEFAULT_ESCALATION_TYPE, what: data.what };
  return (
    <Layout title={titleFor(`Escalate ${ref} to a concern`, errors)} breadcrumbs={[...ALERTS_CRUMBS, { href: alertHref(ref), label: ref }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">{ref}</span>
          <h1 className="govuk-heading-l">Escalate to a concern</h1>
          <p className="govuk-body">
            A concern is recorded with you as the person reporting it, routed and emailed like any report. {ref} is then closed as a true positive and linked to
            it.
          </p>
          <Form action={alertHref(ref, '/escalate')}>
            <Radios
              name="type"
              label="What kind of concern is it?"
              options={data.types.map((t) => ({
                value: t,
                label: CONCERN_TYPES[t].label,
                hint: `${CONCERN_TYPES[t].hint} Goes to: ${CONCERN_TYPES[t].routedTo}.`,
              }))}
              errors={errors}
              values={shown}
            />
            {data.needsSchool && (
              <Select
                name="schoolId"
                label="Which school is it for?"
                hint="The alert has no school, so say which school’s team should handle the concern."
                emptyLabel="Choose a school"
                options={data.schools.map((s) => ({ value: s.id, label: s.name }))}
                errors={errors}
                values={shown}
              />
            )}
            <Textarea
              name="what"
              label="What happened"
              hint="Written from the alert. Add what you know; it becomes the first entry of the concern’s chronology."
              rows={12}
              errors={errors}
              values={shown}
            />
            <ButtonGroup>
              <Button>Create the concern</Button>
              <CancelLink href={alertHref(ref)} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}
