import type { Clause, PolicyContent } from '../content.ts';

const anchor = (c: Clause) => `s-${c.id}`;
const title = (c: Clause) => [c.number, c.heading].filter(Boolean).join(' ');

function Paragraphs({ text }: { text: string }) {
  const blocks = text.split(/\n{2,}/).filter((b) => b.trim());
  return (
    <>
      {blocks.map((block, i) => {
        const lines = block.split('\n');
        if (lines.every((l) => l.startsWith('- ')))
          return (
            <ul className="govuk-list govuk-list--bullet" key={i}>
              {lines.map((l, j) => (
                <li key={j}>{l.slice(2)}</li>
              ))}
            </ul>
          );
        return (
          <p className="govuk-body" key={i}>
            {block}
          </p>
        );
      })}
    </>
  );
}

function Section({ clause, depth }: { clause: Clause; depth: number }) {
  const Heading = depth === 0 ? 'h2' : depth === 1 ? 'h3' : 'h4';
  const size = depth === 0 ? 'govuk-heading-m' : 'govuk-heading-s';
  return (
    <section className={`cs-clause cs-clause--depth-${Math.min(depth, 3)}`} id={anchor(clause)}>
      {clause.heading ? <Heading className={size}>{title(clause)}</Heading> : clause.number && <span className="cs-clause__number">{clause.number}</span>}
      {clause.text && <Paragraphs text={clause.text} />}
      {clause.children.map((child) => (
        <Section clause={child} depth={depth + 1} key={child.id} />
      ))}
    </section>
  );
}

/** A version as staff read it: key points first, a contents list, numbered sections, then the agreement. */
export function PolicyDocument({ content }: { content: PolicyContent }) {
  const headed = content.sections.filter((s) => s.heading);
  return (
    <div className="cs-policy">
      {content.keyPoints.length > 0 && (
        <div className="govuk-inset-text cs-key-points">
          <h2 className="govuk-heading-m">Key points</h2>
          <ul className="govuk-list govuk-list--bullet">
            {content.keyPoints.map((point, i) => (
              <li key={i}>{point}</li>
            ))}
          </ul>
        </div>
      )}
      {headed.length > 1 && (
        <nav className="cs-contents" aria-labelledby="contents-heading">
          <h2 className="govuk-heading-s" id="contents-heading">
            Contents
          </h2>
          <ol className="govuk-list">
            {headed.map((s) => (
              <li key={s.id}>
                <a className="govuk-link" href={`#${anchor(s)}`}>
                  {title(s)}
                </a>
              </li>
            ))}
          </ol>
        </nav>
      )}
      {content.sections.map((s) => (
        <Section clause={s} depth={0} key={s.id} />
      ))}
      {content.agreementStatements.length > 0 && (
        <section id="agreement">
          <h2 className="govuk-heading-m">The agreement</h2>
          <ul className="govuk-list govuk-list--bullet">
            {content.agreementStatements.map((statement, i) => (
              <li key={i}>{statement}</li>
            ))}
          </ul>
        </section>
      )}
      {(content.declaration.wording || content.declaration.fields.length > 0) && (
        <section id="declaration" className="cs-declaration">
          <h2 className="govuk-heading-m">Declaration</h2>
          {content.declaration.wording && <p className="govuk-body">{content.declaration.wording}</p>}
          {content.declaration.fields.length > 0 && <p className="govuk-body-s cs-muted">The signer gives: {content.declaration.fields.join(', ')}.</p>}
        </section>
      )}
    </div>
  );
}
