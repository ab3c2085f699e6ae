import type { ReactNode } from 'react';
import { Tag, type Tone } from '../../../ui/components.tsx';
import { plural } from '../../../ui/format.ts';
import { Button, Form, Select } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import type { Clause } from '../content.ts';
import type { PolicyRow, VersionRow } from '../service.ts';
import type { ClauseChange, Comparison, ItemChange, Part } from './compare.ts';
import { summariseCounts } from './compare.ts';
import { clauseName } from './tree.ts';

const STATUS_NAMES: Record<string, string> = { draft: 'draft', approved: 'approved', published: 'in force', superseded: 'superseded' };
const versionOption = (v: VersionRow) => ({ value: v.id, label: `${v.label} (${STATUS_NAMES[v.status] ?? v.status})` });

/** Inserted and deleted words: underlined or struck through, coloured, and named for screen readers. */
export function DiffText({ parts }: { parts: Part[] }) {
  return (
    <>
      {parts.map((p, i) =>
        p.kind === 'same' ? (
          <span key={i}>{p.text}</span>
        ) : p.kind === 'ins' ? (
          <ins key={i} className="cs-ins">
            <span className="govuk-visually-hidden">added: </span>
            {p.text}
          </ins>
        ) : (
          <del key={i} className="cs-del">
            <span className="govuk-visually-hidden">removed: </span>
            {p.text}
          </del>
        ),
      )}
    </>
  );
}

const KIND: Record<'added' | 'removed' | 'changed', [string, Tone]> = {
  added: ['Added', 'green'],
  removed: ['Removed', 'red'],
  changed: ['Changed', 'blue'],
};

function ItemList({ items }: { items: ItemChange[] }) {
  return (
    <ul className="govuk-list cs-compare-list">
      {items.map((item, i) => (
        <li key={i} className={`cs-compare-item cs-compare-item--${item.kind}`}>
          {item.kind !== 'same' && (
            <>
              <Tag tone={KIND[item.kind][1]}>{KIND[item.kind][0]}</Tag>{' '}
            </>
          )}
          <DiffText parts={item.parts} />
        </li>
      ))}
    </ul>
  );
}

function ListPart({ title, items, noun }: { title: string; items: ItemChange[]; noun: string }) {
  const changed = items.some((i) => i.kind !== 'same');
  return (
    <section className="cs-compare-part">
      <h2 className="govuk-heading-m">{title}</h2>
      {items.length === 0 ? (
        <p className="govuk-body cs-muted">Neither version has {noun}.</p>
      ) : changed ? (
        <ItemList items={items} />
      ) : (
        <p className="govuk-body cs-muted">Unchanged ({plural(items.length, noun.replace(/s$/, ''), noun)}).</p>
      )}
    </section>
  );
}

function ClauseTitle({ change }: { change: ClauseChange }) {
  if (change.kind === 'added') return <>{clauseName(change.to.clause)}</>;
  if (change.kind === 'removed') return <>{clauseName(change.from.clause)}</>;
  const { from, to } = change;
  if (!from.clause.heading && !to.clause.heading) {
    // Unheaded clauses are named by their number (changes shown) or the start of their text.
    return to.clause.number || from.clause.number ? <DiffText parts={change.number} /> : clauseName(to.clause);
  }
  return (
    <>
      {(to.clause.number || from.clause.number) && (
        <>
          <DiffText parts={change.number} />{' '}
        </>
      )}
      <DiffText parts={change.heading} />
    </>
  );
}

function ClauseBlock({ change }: { change: ClauseChange }) {
  if (change.kind === 'unchanged') return null;
  const depth = change.kind === 'removed' ? change.from.depth : change.to.depth;
  const text = change.kind === 'added' ? change.to.clause.text : change.kind === 'removed' ? change.from.clause.text : null;
  const id = change.kind === 'removed' ? change.from.clause.id : change.to.clause.id;
  return (
    <div className={`cs-change cs-change--${change.kind} cs-change--depth-${Math.min(depth, 3)}`} id={`c-${id}`}>
      <h3 className="govuk-heading-s cs-change__title">
        <Tag tone={KIND[change.kind][1]}>{KIND[change.kind][0]}</Tag> <ClauseTitle change={change} />
      </h3>
      {change.kind === 'changed' && (
        <>
          {change.layoutOnly && <p className="govuk-body-s cs-muted">Only the layout changed: paragraphs or line breaks.</p>}
          {(change.topicsAdded.length > 0 || change.topicsRemoved.length > 0) && (
            <p className="govuk-body-s">
              Topics
              {change.topicsAdded.length > 0 && <>: added {change.topicsAdded.join(', ')}</>}
              {change.topicsRemoved.length > 0 && (
                <>
                  {change.topicsAdded.length > 0 ? '; ' : ': '}removed {change.topicsRemoved.join(', ')}
                </>
              )}
            </p>
          )}
          {change.text.length > 0 && (
            <div className="govuk-body cs-diff">
              <DiffText parts={change.text} />
            </div>
          )}
        </>
      )}
      {text && <div className={`govuk-body cs-diff${change.kind === 'removed' ? ' cs-diff--removed' : ''}`}>{text}</div>}
    </div>
  );
}

function Unchanged({ clauses }: { clauses: Clause[] }) {
  const label = plural(clauses.length, 'unchanged clause');
  return (
    <details className="govuk-details cs-unchanged">
      <summary className="govuk-details__summary">
        <span className="govuk-details__summary-text">{label}</span>
      </summary>
      <div className="govuk-details__text">
        <ul className="govuk-list">
          {clauses.map((c) => (
            <li key={c.id}>{clauseName(c)}</li>
          ))}
        </ul>
      </div>
    </details>
  );
}

/** Changes in the newer version's order, with each run of unchanged clauses folded into one line. */
function ClauseChanges({ clauses }: { clauses: ClauseChange[] }) {
  const blocks: ReactNode[] = [];
  let run: Clause[] = [];
  const flush = () => {
    if (run.length) blocks.push(<Unchanged key={`u-${blocks.length}`} clauses={run} />);
    run = [];
  };
  for (const change of clauses) {
    if (change.kind === 'unchanged') run.push(change.to.clause);
    else {
      flush();
      blocks.push(<ClauseBlock key={`${change.kind}-${blocks.length}`} change={change} />);
    }
  }
  flush();
  return <>{blocks}</>;
}

const other = (parts: string[]) => (parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`);

export function ComparePage({
  policy,
  versions,
  from,
  to,
  comparison,
}: {
  policy: PolicyRow;
  versions: VersionRow[];
  from: VersionRow;
  to: VersionRow;
  comparison: Comparison;
}) {
  const heading = `Compare ${from.label} with ${to.label}`;
  const options = versions.map(versionOption);
  const { counts, otherChanges } = comparison;
  const same = from.id === to.id;
  return (
    <Layout
      title={`${heading}: ${policy.title}`}
      breadcrumbs={[
        { href: '/policies', label: 'Policies' },
        { href: `/policies/${policy.id}`, label: policy.title },
      ]}
    >
      <span className="govuk-caption-l">{policy.title}</span>
      <h1 className="govuk-heading-l">{heading}</h1>
      <Form method="get" action={`/policies/${policy.id}/compare`} className="cs-filters">
        <div className="cs-filters__row">
          <Select name="from" label="From (older)" options={options} values={{ from: from.id }} />
          <Select name="to" label="To (newer)" options={options} values={{ to: to.id }} />
          <div className="govuk-form-group">
            <Button secondary>Compare</Button>
          </div>
        </div>
      </Form>
      {same ? (
        <div className="govuk-inset-text">These are the same version. Choose two different versions to see what changed.</div>
      ) : (
        <div className="govuk-inset-text cs-compare-summary">
          <p className="govuk-body-l govuk-!-margin-bottom-2">
            <strong>{summariseCounts(counts)}</strong>
          </p>
          <p className="govuk-body govuk-!-margin-bottom-2">
            {counts.unchanged > 0 && `${plural(counts.unchanged, 'clause')} ${counts.unchanged === 1 ? 'is' : 'are'} unchanged. `}
            {otherChanges.length > 0 ? `The ${other(otherChanges)} also changed.` : 'The key points, agreement statements and declaration are unchanged.'}
          </p>
          <p className="govuk-body-s govuk-!-margin-bottom-0">
            Added words are <ins className="cs-ins">underlined</ins> and removed words are <del className="cs-del">struck through</del>.
          </p>
        </div>
      )}
      <div className="cs-compare">
        <ListPart title="Key points" items={comparison.keyPoints} noun="key points" />
        <section className="cs-compare-part">
          <h2 className="govuk-heading-m">Sections and clauses</h2>
          {comparison.clauses.length === 0 ? (
            <p className="govuk-body cs-muted">Neither version has any sections.</p>
          ) : (
            <ClauseChanges clauses={comparison.clauses} />
          )}
        </section>
        <ListPart title="Agreement statements" items={comparison.agreementStatements} noun="agreement statements" />
        <section className="cs-compare-part">
          <h2 className="govuk-heading-m">Declaration</h2>
          {!comparison.otherChanges.includes('declaration') ? (
            <p className="govuk-body cs-muted">Unchanged.</p>
          ) : (
            <>
              {comparison.declaration.wordingChanged ? (
                <p className="govuk-body cs-diff">
                  <Tag tone="blue">Changed</Tag> <DiffText parts={comparison.declaration.wording} />
                </p>
              ) : (
                <p className="govuk-body">
                  <DiffText parts={comparison.declaration.wording} />
                </p>
              )}
              <h3 className="govuk-heading-s">The signer gives</h3>
              {comparison.declaration.fields.length ? <ItemList items={comparison.declaration.fields} /> : <p className="govuk-body cs-muted">Nothing.</p>}
            </>
          )}
        </section>
      </div>
    </Layout>
  );
}
