import type { ReactNode } from 'react';
import type { FieldErrors } from '../../../errors.ts';
import { PageHeading, Tag, WarningText } from '../../../ui/components.tsx';
import { plural } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, Checkboxes, ErrorSummary, Form, type FormValues, Textarea, TextInput } from '../../../ui/forms.tsx';
import { type Crumb, Layout } from '../../../ui/layout.tsx';
import { type Clause, POLICY_TOPICS, type PolicyContent } from '../content.ts';
import type { PolicyRow, VersionRow } from '../service.ts';
import type { Draft, Placement } from './service.ts';
import { clauseName, descendants, type Located } from './tree.ts';
import { MAX_CLAUSE_TEXT, STANDARD_DECLARATION_FIELDS } from './validation.ts';

export const editorBase = (policyId: string, versionId: string) => `/policies/${policyId}/versions/${versionId}/edit`;
const base = (draft: Draft) => editorBase(draft.policy.id, draft.version.id);
const versionHref = (draft: Pick<Draft, 'policy' | 'version'>) => `/policies/${draft.policy.id}/versions/${draft.version.id}`;

const crumbs = (draft: Draft, inEditor = true): Crumb[] => [
  { href: '/policies', label: 'Policies' },
  { href: `/policies/${draft.policy.id}`, label: draft.policy.title },
  { href: versionHref(draft), label: draft.version.label },
  ...(inEditor ? [{ href: base(draft), label: `Edit ${draft.version.label}` }] : []),
];

const titled = (heading: string, errors?: FieldErrors) => (errors && Object.keys(errors).length ? `Error: ${heading}` : heading);

/** A one-column form page in the editor: caption, heading, error summary, then the form. */
function EditorFormPage({ draft, heading, errors, children }: { draft: Draft; heading: string; errors?: FieldErrors; children: ReactNode }) {
  return (
    <Layout title={titled(heading, errors)} breadcrumbs={crumbs(draft)}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">
            {draft.policy.title} · {draft.version.label}
          </span>
          <h1 className="govuk-heading-l">{heading}</h1>
          {children}
        </div>
      </div>
    </Layout>
  );
}

const Hidden = ({ children }: { children: ReactNode }) => <span className="govuk-visually-hidden">{children}</span>;

function Excerpt({ text }: { text: string }) {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return null;
  return <p className="govuk-body cs-editor__excerpt">{flat.length > 240 ? `${flat.slice(0, 237).trimEnd()}…` : flat}</p>;
}

function Topics({ topics }: { topics: string[] }) {
  if (topics.length === 0) return null;
  return (
    <p className="govuk-body-s cs-editor__topics">
      Topics:{' '}
      {topics.map((t) => (
        <Tag tone="grey" key={t}>
          {t}
        </Tag>
      ))}
    </p>
  );
}

/** Sub-clauses as a nested list, each with its own Change link. */
function Outline({ clauses, href }: { clauses: Clause[]; href: (c: Clause) => string }) {
  return (
    <ul className="govuk-list cs-outline">
      {clauses.map((c) => (
        <li key={c.id} id={`s-${c.id}`}>
          <span className="cs-outline__name">{clauseName(c)}</span>{' '}
          <a className="govuk-link" href={href(c)}>
            Change<Hidden> {clauseName(c)}</Hidden>
          </a>
          {c.children.length > 0 && <Outline clauses={c.children} href={href} />}
        </li>
      ))}
    </ul>
  );
}

/** Move up / move down, each a small form of its own so it works without JavaScript. */
function MoveButtons({ draft, located, back }: { draft: Draft; located: Pick<Located, 'clause' | 'siblings' | 'index'>; back: 'index' | 'clause' }) {
  const name = clauseName(located.clause);
  const action = `${base(draft)}/sections/${located.clause.id}/move`;
  const button = (direction: 'up' | 'down') => (
    <Form action={action} className="cs-inline-form">
      <input type="hidden" name="direction" value={direction} />
      <input type="hidden" name="back" value={back} />
      <button type="submit" className="govuk-button govuk-button--secondary cs-small-button" data-module="govuk-button">
        Move {direction}
        <Hidden> {name}</Hidden>
      </button>
    </Form>
  );
  return (
    <>
      {located.index > 0 && button('up')}
      {located.index < located.siblings.length - 1 && button('down')}
    </>
  );
}

function Card({
  id,
  title,
  titleTag = 'h3',
  actions,
  children,
}: {
  id?: string;
  title: string;
  titleTag?: 'h2' | 'h3';
  actions: ReactNode;
  children: ReactNode;
}) {
  const Heading = titleTag;
  return (
    <div className="govuk-summary-card" id={id}>
      <div className="govuk-summary-card__title-wrapper">
        <Heading className="govuk-summary-card__title">{title}</Heading>
        <ul className="govuk-summary-card__actions">{actions}</ul>
      </div>
      <div className="govuk-summary-card__content">{children}</div>
    </div>
  );
}

function CardAction({ href, label, name }: { href: string; label: string; name: string }) {
  return (
    <li className="govuk-summary-card__action">
      <a className="govuk-link" href={href}>
        {label}
        <Hidden> {name}</Hidden>
      </a>
    </li>
  );
}

function ItemList({ items, empty }: { items: string[]; empty: string }) {
  if (items.length === 0) return <p className="govuk-body cs-muted">{empty}</p>;
  return (
    <ul className="govuk-list govuk-list--bullet">
      {items.map((item, i) => (
        <li key={i}>{item}</li>
      ))}
    </ul>
  );
}

export function EditorIndexPage({ draft, inForceId, errors, values }: { draft: Draft; inForceId: string | null; errors?: FieldErrors; values?: FormValues }) {
  const { policy, version, content } = draft;
  const heading = `Edit ${version.label}`;
  const href = base(draft);
  const detailValues = values ?? { label: version.label, changeSummary: version.changeSummary ?? '', changeOrigin: version.changeOrigin ?? '' };
  const sectionCount = content.sections.length;
  return (
    <Layout title={titled(heading, errors)} breadcrumbs={crumbs(draft, false)}>
      <ErrorSummary errors={errors} />
      <PageHeading
        caption={policy.title}
        actions={
          <>
            <a href={versionHref(draft)} className="govuk-button govuk-button--secondary" data-module="govuk-button">
              Preview {version.label}
            </a>
            {inForceId && (
              <a
                href={`/policies/${policy.id}/compare?from=${inForceId}&to=${version.id}`}
                className="govuk-button govuk-button--secondary"
                data-module="govuk-button"
              >
                Compare with the version in force
              </a>
            )}
          </>
        }
      >
        {heading}
      </PageHeading>
      <p className="govuk-body">
        Each change is saved when you press its button. The draft can be changed until its approval is recorded; then its text is fixed.
      </p>

      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <h2 className="govuk-heading-m">About this version</h2>
          <Form action={`${href}/details`}>
            <TextInput name="label" label="Version label" hint="For example, V2.0" width="10" errors={errors} values={detailValues} />
            <TextInput
              name="changeOrigin"
              label="Reason for the change (optional)"
              hint="For example, change in legislation, or annual review"
              errors={errors}
              values={detailValues}
            />
            <Textarea
              name="changeSummary"
              label="What changed (optional)"
              hint="A sentence or two for the version history"
              rows={3}
              errors={errors}
              values={detailValues}
            />
            <Button secondary>Save details</Button>
          </Form>
        </div>
      </div>

      <Card title="Key points" titleTag="h2" actions={<CardAction href={`${href}/key-points`} label="Change" name="key points" />}>
        <ItemList items={content.keyPoints} empty="None yet. Key points are shown at the top of the policy, before its sections." />
      </Card>

      <h2 className="govuk-heading-m" id="sections">
        Sections <span className="govuk-caption-m cs-inline-caption">{plural(sectionCount, 'section')}</span>
      </h2>
      {sectionCount === 0 && <p className="govuk-body">No sections yet. Add the policy’s first section, then its sub-clauses.</p>}
      {content.sections.map((section, index) => (
        <SectionCard key={section.id} draft={draft} section={section} index={index} />
      ))}
      <a href={`${href}/sections/new`} className="govuk-button" data-module="govuk-button">
        Add a section{sectionCount > 0 ? ' at the end' : ''}
      </a>

      <h2 className="govuk-heading-m">The agreement</h2>
      <Card title="Agreement statements" actions={<CardAction href={`${href}/agreement`} label="Change" name="agreement statements" />}>
        <ItemList items={content.agreementStatements} empty="None yet. These are what the signer agrees to, one statement each." />
      </Card>
      <Card title="Declaration" actions={<CardAction href={`${href}/declaration`} label="Change" name="declaration" />}>
        <DeclarationSummary declaration={content.declaration} />
      </Card>
    </Layout>
  );
}

function DeclarationSummary({ declaration }: { declaration: PolicyContent['declaration'] }) {
  return (
    <dl className="govuk-summary-list govuk-summary-list--no-border">
      <div className="govuk-summary-list__row">
        <dt className="govuk-summary-list__key">Wording</dt>
        <dd className="govuk-summary-list__value">{declaration.wording || <span className="cs-muted">None</span>}</dd>
      </div>
      <div className="govuk-summary-list__row">
        <dt className="govuk-summary-list__key">The signer gives</dt>
        <dd className="govuk-summary-list__value">{declaration.fields.join(', ') || <span className="cs-muted">Nothing</span>}</dd>
      </div>
    </dl>
  );
}

function SectionCard({ draft, section, index }: { draft: Draft; section: Clause; index: number }) {
  const href = base(draft);
  const name = clauseName(section);
  return (
    <Card
      id={`s-${section.id}`}
      title={name}
      actions={
        <>
          <CardAction href={`${href}/sections/${section.id}`} label="Change" name={name} />
          <CardAction href={`${href}/sections/${section.id}/remove`} label="Remove" name={name} />
        </>
      }
    >
      <Excerpt text={section.text} />
      <Topics topics={section.topics} />
      {section.children.length > 0 && (
        <>
          <h4 className="govuk-heading-s govuk-!-margin-bottom-1">Sub-clauses</h4>
          <Outline clauses={section.children} href={(c) => `${href}/sections/${c.id}`} />
        </>
      )}
      <div className="cs-editor__actions">
        <MoveButtons draft={draft} located={{ clause: section, siblings: draft.content.sections, index }} back="index" />
        <a className="govuk-link" href={`${href}/sections/new?parent=${section.id}`}>
          Add a sub-clause<Hidden> to {name}</Hidden>
        </a>
        <a className="govuk-link" href={`${href}/sections/new?after=${section.id}`}>
          Add a section after this<Hidden> ({name})</Hidden>
        </a>
      </div>
    </Card>
  );
}

export type ClauseMode =
  | { kind: 'edit'; located: Located }
  | { kind: 'new'; placement: Exclude<Placement, { clauseId: string }>; parent: Clause | null; after: Clause | null };

export const clauseValues = (c: Clause): FormValues => ({ number: c.number ?? '', heading: c.heading ?? '', text: c.text, topics: c.topics });

export function ClausePage({ draft, mode, errors, values }: { draft: Draft; mode: ClauseMode; errors?: FieldErrors; values?: FormValues }) {
  const href = base(draft);
  const heading =
    mode.kind === 'edit'
      ? `Change ${clauseName(mode.located.clause)}`
      : mode.parent
        ? `Add a sub-clause to ${clauseName(mode.parent)}`
        : mode.after
          ? `Add a section after ${clauseName(mode.after)}`
          : 'Add a section';
  const action = mode.kind === 'edit' ? `${href}/sections/${mode.located.clause.id}` : `${href}/sections/new`;
  const ancestors = mode.kind === 'edit' ? mode.located.ancestors : mode.parent ? [mode.parent] : [];
  const anchor = ancestors[0] ?? (mode.kind === 'edit' ? mode.located.clause : mode.after);
  return (
    <EditorFormPage draft={draft} heading={heading} errors={errors}>
      {ancestors.length > 0 && (
        <p className="govuk-body">
          Part of:{' '}
          {ancestors.map((a, i) => (
            <span key={a.id}>
              {i > 0 && ' › '}
              {clauseName(a)}
            </span>
          ))}
        </p>
      )}
      <Form action={action}>
        {mode.kind === 'new' && 'after' in mode.placement && mode.placement.after && <input type="hidden" name="after" value={mode.placement.after} />}
        {mode.kind === 'new' && 'parent' in mode.placement && <input type="hidden" name="parent" value={mode.placement.parent} />}
        <TextInput
          name="number"
          label="Number (optional)"
          hint="As the document numbers it, like 4 or 4.1. Leave it blank for an unnumbered paragraph. Other clauses are not renumbered."
          width="10"
          spellCheck={false}
          errors={errors}
          values={values}
        />
        <TextInput name="heading" label="Heading (optional)" errors={errors} values={values} />
        <Textarea
          name="text"
          label="Text"
          hint={
            <>
              Leave a blank line to start a new paragraph. Lines that start with a dash and a space (“- ”), one after another, make a bulleted list. Up to{' '}
              {MAX_CLAUSE_TEXT.toLocaleString('en-GB')} characters.
            </>
          }
          rows={12}
          errors={errors}
          values={values}
        />
        <div className="cs-topic-checkboxes">
          <Checkboxes
            name="topics"
            label="Topics (optional)"
            hint="Tag what the clause is about. Reports and the email checker use these tags."
            options={POLICY_TOPICS.map((t) => ({ value: t, label: t[0]?.toUpperCase() + t.slice(1) }))}
            small
            errors={errors}
            values={values}
          />
        </div>
        <ButtonGroup>
          <Button>Save</Button>
          <Button secondary name="next" value="sub-clause">
            Save and add a sub-clause
          </Button>
          <CancelLink href={anchor ? `${href}#s-${anchor.id}` : href} />
        </ButtonGroup>
      </Form>
      {mode.kind === 'edit' && <ClauseExtras draft={draft} located={mode.located} />}
    </EditorFormPage>
  );
}

/** Below the clause form: its sub-clauses, and moving or removing it. */
function ClauseExtras({ draft, located }: { draft: Draft; located: Located }) {
  const href = base(draft);
  const { clause } = located;
  const name = clauseName(clause);
  return (
    <>
      <h2 className="govuk-heading-m">Sub-clauses</h2>
      {clause.children.length > 0 ? (
        <Outline clauses={clause.children} href={(c) => `${href}/sections/${c.id}`} />
      ) : (
        <p className="govuk-body">{name} has no sub-clauses.</p>
      )}
      <p className="govuk-body">
        <a className="govuk-link" href={`${href}/sections/new?parent=${clause.id}`}>
          Add a sub-clause<Hidden> to {name}</Hidden>
        </a>
      </p>
      <h2 className="govuk-heading-m">Move or remove</h2>
      {located.siblings.length > 1 && (
        <p className="govuk-body">
          Moves it among the {located.ancestors.length ? 'sub-clauses of the same clause' : 'sections'}, with its own sub-clauses. Numbers do not change.
        </p>
      )}
      <div className="cs-editor__actions">
        <MoveButtons draft={draft} located={located} back="clause" />
        <a className="govuk-link cs-warning-link" href={`${href}/sections/${clause.id}/remove`}>
          Remove<Hidden> {name}</Hidden>
        </a>
      </div>
    </>
  );
}

export function RemovePage({ draft, located }: { draft: Draft; located: Located }) {
  const { clause } = located;
  const below = descendants(clause).length;
  const name = clauseName(clause);
  const href = base(draft);
  return (
    <EditorFormPage draft={draft} heading={`Remove ${name}?`}>
      <p className="govuk-body">
        This removes {name}
        {below > 0 ? ` and its ${plural(below, 'sub-clause')}` : ''} from {draft.version.label}:
      </p>
      <ul className="govuk-list cs-outline cs-outline--removing">
        <li>
          <span className="cs-outline__name">{name}</span>
          {clause.children.length > 0 && <PlainOutline clauses={clause.children} />}
        </li>
      </ul>
      <WarningText>Their text cannot be brought back except by typing it again. The version in force does not change.</WarningText>
      <Form action={`${href}/sections/${clause.id}/remove`}>
        <ButtonGroup>
          <Button warning>{below > 0 ? `Yes, remove all ${below + 1}` : 'Yes, remove it'}</Button>
          <CancelLink href={`${href}#s-${(located.ancestors[0] ?? clause).id}`} />
        </ButtonGroup>
      </Form>
    </EditorFormPage>
  );
}

function PlainOutline({ clauses }: { clauses: Clause[] }) {
  return (
    <ul className="govuk-list cs-outline">
      {clauses.map((c) => (
        <li key={c.id}>
          <span className="cs-outline__name">{clauseName(c)}</span>
          {c.children.length > 0 && <PlainOutline clauses={c.children} />}
        </li>
      ))}
    </ul>
  );
}

/** Key points or agreement statements: one textarea, one item a line. */
export function LinesPage({
  draft,
  name,
  heading,
  hint,
  errors,
  values,
}: {
  draft: Draft;
  name: 'keyPoints' | 'agreementStatements';
  heading: string;
  hint: string;
  errors?: FieldErrors;
  values: FormValues;
}) {
  const href = base(draft);
  return (
    <Layout title={titled(heading, errors)} breadcrumbs={crumbs(draft)}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">
            {draft.policy.title} · {draft.version.label}
          </span>
          <Form action={`${href}/${name === 'keyPoints' ? 'key-points' : 'agreement'}`}>
            <Textarea name={name} label={heading} asHeading hint={hint} rows={12} errors={errors} values={values} />
            <ButtonGroup>
              <Button>Save</Button>
              <CancelLink href={href} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export const declarationValues = (d: PolicyContent['declaration']): FormValues => ({
  wording: d.wording,
  fields: d.fields.filter((f) => (STANDARD_DECLARATION_FIELDS as readonly string[]).includes(f)),
  otherFields: d.fields.filter((f) => !(STANDARD_DECLARATION_FIELDS as readonly string[]).includes(f)).join('\n'),
});

export function DeclarationPage({ draft, errors, values }: { draft: Draft; errors?: FieldErrors; values: FormValues }) {
  const href = base(draft);
  return (
    <EditorFormPage draft={draft} heading="Declaration" errors={errors}>
      <p className="govuk-body">What the signer declares at the end of the policy, and the details they give when they sign.</p>
      <Form action={`${href}/declaration`}>
        <Textarea
          name="wording"
          label="Wording"
          hint="For example: I have read and understand the above and agree to follow it. Leave it blank if the policy has no declaration."
          rows={4}
          errors={errors}
          values={values}
        />
        <Checkboxes
          name="fields"
          label="The signer gives"
          options={STANDARD_DECLARATION_FIELDS.map((f) => ({ value: f, label: f }))}
          errors={errors}
          values={values}
        />
        <Textarea name="otherFields" label="Other details (optional)" hint="One on each line, like Department" rows={3} errors={errors} values={values} />
        <ButtonGroup>
          <Button>Save</Button>
          <CancelLink href={href} />
        </ButtonGroup>
      </Form>
    </EditorFormPage>
  );
}

const STATUS_WORDS: Record<string, string> = { approved: 'approved', published: 'in force', superseded: 'superseded' };

/** The version is no longer a draft: say so, say nothing was changed, and show the way forward. */
export function NotDraftPage({ policy, version, attempted }: { policy: PolicyRow; version: VersionRow; attempted: boolean }) {
  const heading = `${version.label} can no longer be changed`;
  return (
    <Layout
      title={heading}
      breadcrumbs={[
        { href: '/policies', label: 'Policies' },
        { href: `/policies/${policy.id}`, label: policy.title },
      ]}
    >
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <span className="govuk-caption-l">{policy.title}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            {version.label} is {STATUS_WORDS[version.status] ?? version.status}, so its text is fixed.{attempted ? ' Nothing has been changed.' : ''}
          </p>
          <p className="govuk-body">
            To change the policy, open its draft or start a new version from the policy’s page. A new version begins as a copy of the version in force.
          </p>
          <ul className="govuk-list">
            <li>
              <a className="govuk-link" href={versionHref({ policy, version })}>
                Read {version.label}
              </a>
            </li>
            <li>
              <a className="govuk-link" href={`/policies/${policy.id}`}>
                Go to {policy.title}
              </a>
            </li>
          </ul>
        </div>
      </div>
    </Layout>
  );
}
