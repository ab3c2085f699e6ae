import type { FieldErrors } from '../../../errors.ts';
import { type Column, InsetText, PageHeading, SummaryList, Table, Tag, WarningText } from '../../../ui/components.tsx';
import { formatDate, formatDateTime, plural } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, ErrorSummary, Form, type FormValues, Radios, Select, Textarea, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { CATEGORIES, CATEGORY_CODES, categoryLabel } from '../events.ts';
import {
  ALERT_OUTCOMES,
  ALERT_SEVERITIES,
  ALERT_SEVERITY_CODES,
  ALERT_STATUSES,
  type AlertSeverity,
  RULE_ACTIONS,
  RULE_KINDS,
  RULE_PEOPLE,
  RULE_TIMES,
  type RuleKind,
} from '../schema.ts';
import { NOISY_MIN_OUTCOMES, RECENT_DAYS, RECOMMENDED, type RuleDetail, type RuleFigures, type RuleList, type RuleListItem } from './service.ts';
import { KEYWORD_MIN, MAX_TERMS, OTHER_CATEGORY, REASON_MAX, type RuleRow } from './validation.ts';

const HOME = { href: '/', label: 'Home' };
const LIST = { href: '/monitoring/rules', label: 'Alert rules' };
const titled = (heading: string, errors?: FieldErrors) => (errors && Object.keys(errors).length ? `Error: ${heading}` : heading);
export const ruleUrl = (id: string, suffix = '') => `/monitoring/rules/${id}${suffix}`;

const KIND_SHORT: Record<RuleKind, string> = { category: 'Category', domain: 'Websites', keyword: 'Words' };
/** Terms shown before "and N more". */
const TERMS_SHOWN = 3;

export const SeverityTag = ({ severity }: { severity: AlertSeverity }) => <Tag tone={ALERT_SEVERITIES[severity].tone}>{ALERT_SEVERITIES[severity].label}</Tag>;
const OnOffTag = ({ enabled }: { enabled: boolean }) => (enabled ? <Tag tone="green">On</Tag> : <Tag tone="grey">Off</Tag>);

/** What a rule matches, in words: the category, or the first few terms and "and N more". */
export function ruleMatches(rule: Pick<RuleRow, 'kind' | 'category' | 'terms'>): string {
  if (rule.kind === 'category') return categoryLabel(rule.category);
  const shown = rule.terms.slice(0, TERMS_SHOWN).map((t) => (rule.kind === 'keyword' ? `“${t}”` : t));
  const more = rule.terms.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more.toLocaleString('en-GB')} more` : ''} (as ${categoryLabel(rule.category)})`;
}

/** A rule's conditions in words: "Only when blocked, outside 08:00–16:00, only people under enhanced monitoring". */
export function ruleConditions(rule: Pick<RuleRow, 'action' | 'timeMode' | 'timeFrom' | 'timeTo' | 'appliesTo'>): string {
  const parts: string[] = [];
  if (rule.action === 'blocked') parts.push('only when blocked');
  if (rule.action === 'allowed') parts.push('only when allowed');
  if (rule.timeMode === 'inside') parts.push(`only between ${rule.timeFrom} and ${rule.timeTo}`);
  if (rule.timeMode === 'outside') parts.push(`outside ${rule.timeFrom}–${rule.timeTo}`);
  if (rule.appliesTo === 'enhanced') parts.push('only people under enhanced monitoring');
  const text = parts.join(', ');
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : 'Always';
}

const percent = (rate: number) => `${Math.round(rate * 100)}%`;

function FalsePositives({ figures }: { figures: RuleFigures }) {
  if (figures.rate === null) return <span className="cs-muted">No outcomes yet</span>;
  return (
    <>
      {figures.falsePositives} of {figures.withOutcome} given an outcome ({percent(figures.rate)})
      {figures.noisy && (
        <>
          {' '}
          <Tag tone="red">Noisy</Tag>
        </>
      )}
    </>
  );
}

export function RulesPage({ data }: { data: RuleList }) {
  const columns: Column<RuleListItem>[] = [
    {
      header: 'Rule',
      cell: (r) => (
        <a className="govuk-link" href={ruleUrl(r.rule.id)}>
          {r.rule.name}
        </a>
      ),
    },
    {
      header: 'Matches',
      cell: (r) => (
        <>
          <span className="govuk-body-s cs-muted">{KIND_SHORT[r.rule.kind]}:</span> {ruleMatches(r.rule)}
          <br />
          <span className="govuk-body-s">{ruleConditions(r.rule)}</span>
        </>
      ),
    },
    {
      header: 'Severity',
      cell: (r) => (
        <>
          <SeverityTag severity={r.rule.severity} /> <OnOffTag enabled={r.rule.enabled} />
        </>
      ),
    },
    {
      header: 'Alerts',
      numeric: true,
      cell: (r) => (
        <>
          {r.figures.raised.toLocaleString('en-GB')}
          <br />
          <span className="govuk-body-s cs-muted">{r.figures.raisedRecent.toLocaleString('en-GB')} in 30 days</span>
        </>
      ),
    },
    { header: 'False positives', cell: (r) => <FalsePositives figures={r.figures} /> },
  ];
  const noisy = data.items.filter((i) => i.figures.noisy && i.rule.enabled);
  return (
    <Layout title="Alert rules" breadcrumbs={[HOME]}>
      <PageHeading
        actions={
          data.canChange ? (
            <a href="/monitoring/rules/new" className="govuk-button" data-module="govuk-button">
              Add a rule
            </a>
          ) : undefined
        }
      >
        Alert rules
      </PageHeading>
      <p className="govuk-body">
        The rules decide which monitoring and filtering events raise an alert, and how serious it is. When several rules match an event the most severe wins.
        Events that match no rule are only counted. High-severity alerts are emailed to the safeguarding team at once; the others go in a daily digest.
      </p>
      {!data.canChange && (
        <InsetText>The trust’s designated safeguarding lead and administrators change the rules. You can see them and how they perform.</InsetText>
      )}
      {noisy.length > 0 && (
        <WarningText>
          {noisy.length === 1 ? '1 rule is' : `${noisy.length} rules are`} noisy: at least half of the alerts given an outcome were false positives (
          {noisy.map((n) => n.rule.name).join(', ')}). Consider narrowing {noisy.length === 1 ? 'it' : 'them'} or lowering the severity.
        </WarningText>
      )}
      {data.canChange && data.missingRecommended.length > 0 && (
        <div className="govuk-inset-text">
          <p className="govuk-body">
            {data.items.length === 0 ? 'There are no rules yet. ' : ''}
            The recommended rules raise an alert for each category your policies name. Adding them adds {plural(data.missingRecommended.length, 'rule')}:{' '}
            {data.missingRecommended.map((code) => `${CATEGORIES[code]} (${ALERT_SEVERITIES[RECOMMENDED[code]].label.toLowerCase()})`).join(', ')}.
          </p>
          <Form action="/monitoring/rules/recommended">
            <Button secondary>Add the recommended rules</Button>
          </Form>
        </div>
      )}
      <Table caption="Alert rules" columns={columns} rows={data.items} rowKey={(r) => r.rule.id} empty="There are no rules yet, so no alerts are raised." />
      <p className="govuk-body-s cs-muted">
        False positives are counted among alerts given an outcome. A rule is marked noisy when at least half of them were false positives, out of at least{' '}
        {NOISY_MIN_OUTCOMES}.
      </p>
    </Layout>
  );
}

function RuleSummary({ rule }: { rule: RuleRow }) {
  return (
    <SummaryList
      rows={[
        { key: 'Looks for', value: RULE_KINDS[rule.kind] },
        {
          key: rule.kind === 'category' ? 'Category' : 'Alerts are given the category',
          value: categoryLabel(rule.category),
        },
        ...(rule.kind === 'category'
          ? []
          : [
              {
                key:
                  rule.kind === 'domain' ? `Websites (${rule.terms.length.toLocaleString('en-GB')})` : `Words (${rule.terms.length.toLocaleString('en-GB')})`,
                value: ruleMatches(rule).replace(/ \(as .*\)$/, ''),
              },
            ]),
        { key: 'Conditions', value: ruleConditions(rule) },
        { key: 'Severity', value: <SeverityTag severity={rule.severity} /> },
        { key: 'Status', value: <OnOffTag enabled={rule.enabled} /> },
        { key: 'Added', value: formatDateTime(rule.createdAt) },
        { key: 'Last changed', value: formatDateTime(rule.updatedAt) },
      ]}
    />
  );
}

export function RulePage({ data, errors, values }: { data: RuleDetail; errors?: FieldErrors; values?: FormValues }) {
  const { rule, figures } = data;
  const alertColumns: Column<RuleDetail['recent'][number]>[] = [
    {
      header: 'Alert',
      cell: (a) => (
        <a className="govuk-link" href={`/monitoring/alerts/${a.reference}`}>
          {a.reference}
        </a>
      ),
    },
    { header: 'First event', cell: (a) => formatDateTime(a.firstEventAt) },
    { header: 'Events', numeric: true, cell: (a) => a.eventCount.toLocaleString('en-GB') },
    { header: 'Severity', cell: (a) => <SeverityTag severity={a.severity} /> },
    { header: 'Status', cell: (a) => <Tag tone={ALERT_STATUSES[a.status].tone}>{ALERT_STATUSES[a.status].label}</Tag> },
    { header: 'Outcome', cell: (a) => (a.outcome ? ALERT_OUTCOMES[a.outcome].split(':')[0] : <span className="cs-muted">None yet</span>) },
  ];
  return (
    <Layout title={titled(rule.name, errors)} breadcrumbs={[HOME, LIST]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <PageHeading caption="Alert rule">{rule.name}</PageHeading>
          <RuleSummary rule={rule} />
          {data.canChange && (
            <p className="govuk-body">
              <a className="govuk-link" href={ruleUrl(rule.id, '/edit')}>
                Change the rule
              </a>
            </p>
          )}
          <h2 className="govuk-heading-m">How it performs</h2>
          {figures.noisy && <WarningText>This rule is noisy: at least half of its alerts given an outcome were false positives.</WarningText>}
          <SummaryList
            rows={[
              {
                key: 'Alerts raised',
                value: `${figures.raised.toLocaleString('en-GB')} in all, ${figures.raisedRecent.toLocaleString('en-GB')} in the last ${RECENT_DAYS} days`,
              },
              { key: 'Alerts with an outcome', value: figures.withOutcome.toLocaleString('en-GB') },
              {
                key: 'False positives',
                value:
                  figures.rate === null
                    ? 'No outcomes yet'
                    : `${figures.falsePositives.toLocaleString('en-GB')} (${percent(figures.rate)} of those with an outcome)`,
              },
            ]}
          />
          {data.canChange && (
            <>
              <h2 className="govuk-heading-m">{rule.enabled ? 'Switch the rule off' : 'Switch the rule back on'}</h2>
              <p className="govuk-body">
                {rule.enabled
                  ? 'It stops raising alerts at once. Alerts it has raised stay as they are, and you can switch it back on later.'
                  : 'It raises alerts again from the next event it matches. Events that arrived while it was off are not looked at again.'}
              </p>
              <Form action={ruleUrl(rule.id, '/enabled')}>
                <input type="hidden" name="enabled" value={rule.enabled ? 'no' : 'yes'} />
                <Textarea
                  name="reason"
                  label="Why?"
                  hint={`For example, “Too many false positives from a news site”. Kept in the rule’s history. Up to ${REASON_MAX.toLocaleString('en-GB')} characters.`}
                  rows={3}
                  errors={errors}
                  values={values}
                />
                <Button warning={rule.enabled} secondary={!rule.enabled}>
                  {rule.enabled ? 'Switch off' : 'Switch on'}
                </Button>
              </Form>
            </>
          )}
        </div>
      </div>
      <h2 className="govuk-heading-m">Latest alerts</h2>
      <p className="govuk-body">The latest alerts this rule raised that you can open.</p>
      <Table
        caption="Latest alerts"
        columns={alertColumns}
        rows={data.recent}
        rowKey={(a) => a.id}
        empty="There are no alerts from this rule that you can open."
      />
      <h2 className="govuk-heading-m">History</h2>
      {data.history.length === 0 ? (
        <p className="govuk-body cs-empty">No changes recorded.</p>
      ) : (
        <ul className="govuk-list">
          {data.history.map((h, i) => (
            <li key={i}>
              <span className="govuk-!-font-weight-bold">{formatDate(h.at)}</span>, {h.actorLabel}: {h.summary}
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}

export function RuleFormPage({ rule, errors, values }: { rule?: RuleRow; errors?: FieldErrors; values: FormValues }) {
  const heading = rule ? `Change the rule ‘${rule.name}’` : 'Add a rule';
  const categoryOptions = [
    ...CATEGORY_CODES.map((code) => ({ value: code, label: CATEGORIES[code] })),
    { value: OTHER_CATEGORY, label: 'Another category (type it below)' },
  ];
  return (
    <Layout title={titled(heading, errors)} breadcrumbs={rule ? [HOME, LIST, { href: ruleUrl(rule.id), label: rule.name }] : [HOME, LIST]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          <Form action={rule ? ruleUrl(rule.id, '/edit') : '/monitoring/rules/new'}>
            <TextInput name="name" label="Name" hint="How the rule is shown on alerts, for example “Gambling sites”" errors={errors} values={values} />
            <Radios
              name="kind"
              label="What does it look for?"
              options={[
                { value: 'category', label: RULE_KINDS.category, hint: 'Matches events your filtering product puts in the category you choose below.' },
                { value: 'domain', label: RULE_KINDS.domain, hint: 'Matches visits to the websites you list below, and their subdomains.' },
                { value: 'keyword', label: RULE_KINDS.keyword, hint: 'Matches the words you list below anywhere in the web address or the detail sent.' },
              ]}
              errors={errors}
              values={values}
            />
            <Select
              name="category"
              label="Category"
              hint="For a category rule, the category it matches. For a watchlist, the category its alerts are given."
              emptyLabel="Choose a category"
              options={categoryOptions}
              errors={errors}
              values={values}
            />
            <TextInput
              name="categoryOther"
              label="Another category (optional)"
              hint="Only if you chose “Another category”: the category as your filtering product names it, for example Gaming."
              width="20"
              errors={errors}
              values={values}
            />
            <Textarea
              name="terms"
              label="Websites or words to look for"
              hint={`Only for a watchlist; leave empty for a category rule. One on each line, up to ${MAX_TERMS.toLocaleString('en-GB')}. Websites: the domain, like bet-example.com (its subdomains match too). Words: a word or phrase of at least ${KEYWORD_MIN} characters. Repeats are removed.`}
              rows={8}
              errors={errors}
              values={values}
            />
            <Radios
              name="severity"
              label="Severity of the alerts it raises"
              hint="High alerts are emailed to the safeguarding team at once; medium and low go in a daily digest. Alerts about someone under enhanced monitoring are raised one step."
              inline
              options={ALERT_SEVERITY_CODES.map((s) => ({ value: s, label: ALERT_SEVERITIES[s].label }))}
              errors={errors}
              values={values}
            />
            <Radios
              name="action"
              label="Blocked or allowed visits?"
              hint="A visit the source does not say was blocked counts as allowed."
              options={Object.entries(RULE_ACTIONS).map(([value, label]) => ({ value, label }))}
              errors={errors}
              values={values}
            />
            <Radios
              name="timeMode"
              label="When does it apply?"
              options={Object.entries(RULE_TIMES).map(([value, label]) => ({ value, label }))}
              errors={errors}
              values={values}
            />
            <TextInput
              name="timeFrom"
              label="From (optional)"
              hint="Only if it applies between or outside times: 24-hour clock, UK time, like 08:00."
              width="5"
              inputMode="numeric"
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <TextInput
              name="timeTo"
              label="To (optional)"
              hint="Like 16:00. From 22:00 to 06:00 goes past midnight."
              width="5"
              inputMode="numeric"
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <Radios
              name="appliesTo"
              label="Who does it apply to?"
              options={Object.entries(RULE_PEOPLE).map(([value, label]) => ({ value, label }))}
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>{rule ? 'Save the changes' : 'Add the rule'}</Button>
              <CancelLink href={rule ? ruleUrl(rule.id) : '/monitoring/rules'} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}
