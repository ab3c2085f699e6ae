import type { Clause, PolicyContent } from '../content.ts';
import { type ContentsEntry, clauseAnchor, clauseTitle, contentsOf, textBlocks } from '../reading/blocks.ts';

/** A clause's text: paragraphs and bulleted lists, laid out as the PDF lays them out. */
function ClauseText({ text }: { text: string }) {
  return (
    <>
      {textBlocks(text).map((block, i) =>
        block.type === 'list' ? (
          <ul className="govuk-list govuk-list--bullet" key={i}>
            {block.items.map((item, j) => (
              <li key={j}>{item}</li>
            ))}
          </ul>
        ) : (
          <p className="govuk-body cs-clause__text" key={i}>
            {block.text}
          </p>
        ),
      )}
    </>
  );
}

const HEADING_CLASS: Record<number, string> = { 2: 'govuk-heading-m', 3: 'govuk-heading-s', 4: 'govuk-heading-s cs-heading-xs' };

/**
 * One clause and its sub-clauses. `level` is the heading level a heading here gets: it goes down
 * one only below a clause that has a heading, so the page's headings never skip a level
 * (h1 page, h2 section, h3 sub-section, h4 below) however the document nests unheaded clauses.
 */
function ClauseView({ clause, level, depth }: { clause: Clause; level: number; depth: number }) {
  const depthClass = `cs-clause cs-clause--depth-${Math.min(depth, 3)}`;
  if (clause.heading) {
    const Heading = `h${Math.min(level, 6)}` as 'h2' | 'h3' | 'h4' | 'h5' | 'h6';
    return (
      <section className={`${depthClass} cs-clause--headed`} id={clauseAnchor(clause)}>
        <Heading className={HEADING_CLASS[level] ?? HEADING_CLASS[4]}>
          {clause.number && (
            <>
              <span className="cs-clause__number">{clause.number}</span>{' '}
            </>
          )}
          {clause.heading}
        </Heading>
        {clause.text && <ClauseText text={clause.text} />}
        {clause.children.map((child) => (
          <ClauseView clause={child} level={level + 1} depth={depth + 1} key={child.id} />
        ))}
      </section>
    );
  }
  return (
    <div className={depthClass} id={clauseAnchor(clause)}>
      {clause.number ? (
        <div className="cs-clause__row">
          <span className="govuk-body cs-clause__number">{clause.number}</span>
          <div className="cs-clause__body">{clause.text && <ClauseText text={clause.text} />}</div>
        </div>
      ) : (
        clause.text && <ClauseText text={clause.text} />
      )}
      {clause.children.map((child) => (
        <ClauseView clause={child} level={level} depth={depth + 1} key={child.id} />
      ))}
    </div>
  );
}

function ContentsList({ entries, nested }: { entries: ContentsEntry[]; nested?: boolean }) {
  return (
    <ol className={`govuk-list cs-contents__list${nested ? ' cs-contents__list--nested' : ''}`}>
      {entries.map(({ clause, children }) => (
        <li key={clause.id}>
          <a className="govuk-link" href={`#${clauseAnchor(clause)}`}>
            {clauseTitle(clause)}
          </a>
          {children.length > 0 && <ContentsList entries={children} nested />}
        </li>
      ))}
    </ol>
  );
}

const listInWords = (items: string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/**
 * A version as staff read it: key points first, a contents list, the numbered sections with their
 * sub-clauses, the agreement statements, then the declaration. The page around it owns the h1,
 * so the document's headings start at h2. On paper (print stylesheet) the declaration shows a
 * blank line for each field, ready to be signed.
 */
export function PolicyDocument({ content }: { content: PolicyContent }) {
  const contents = contentsOf(content.sections);
  const { wording, fields } = content.declaration;
  return (
    <div className="cs-policy">
      {content.keyPoints.length > 0 && (
        <section className="govuk-inset-text cs-key-points" id="key-points" aria-labelledby="key-points-heading">
          <h2 className="govuk-heading-m" id="key-points-heading">
            Key points
          </h2>
          <ul className="govuk-list govuk-list--bullet">
            {content.keyPoints.map((point, i) => (
              <li key={i}>{point}</li>
            ))}
          </ul>
        </section>
      )}
      {contents.length > 1 && (
        <nav className="cs-contents" aria-labelledby="contents-heading">
          <h2 className="govuk-heading-s" id="contents-heading">
            Contents
          </h2>
          <ContentsList entries={contents} />
        </nav>
      )}
      <div className="cs-policy__sections">
        {content.sections.map((s) => (
          <ClauseView clause={s} level={2} depth={0} key={s.id} />
        ))}
      </div>
      {content.agreementStatements.length > 0 && (
        <section className="cs-agreement" id="agreement">
          <h2 className="govuk-heading-m">The agreement</h2>
          <ul className="govuk-list govuk-list--bullet">
            {content.agreementStatements.map((statement, i) => (
              <li key={i}>{statement}</li>
            ))}
          </ul>
        </section>
      )}
      {(wording || fields.length > 0) && (
        <section id="declaration" className="cs-declaration">
          <h2 className="govuk-heading-m">Declaration</h2>
          {wording && <p className="govuk-body">{wording}</p>}
          {fields.length > 0 && (
            <>
              <p className="govuk-body-s cs-muted cs-screen-only">The signer gives their {listInWords(fields.map((f) => f.toLowerCase()))}.</p>
              <dl className="govuk-body cs-declaration__fields cs-print-only">
                {fields.map((field, i) => (
                  <div className="cs-declaration__field" key={i}>
                    <dt>{field}</dt>
                    <dd />
                  </div>
                ))}
              </dl>
            </>
          )}
        </section>
      )}
    </div>
  );
}
