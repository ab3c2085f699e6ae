import type { ReactNode } from 'react';

export function PageHeading({ children, caption, actions }: { children: ReactNode; caption?: string; actions?: ReactNode }) {
  return (
    <div className="cs-page-heading">
      <div>
        {caption && <span className="govuk-caption-l">{caption}</span>}
        <h1 className="govuk-heading-l">{children}</h1>
      </div>
      {actions && <div className="cs-page-heading__actions">{actions}</div>}
    </div>
  );
}

export type SummaryRow = { key: string; value: ReactNode; action?: { href: string; label: string } };

export function SummaryList({ rows }: { rows: SummaryRow[] }) {
  return (
    <dl className="govuk-summary-list">
      {rows.map((r) => (
        <div className="govuk-summary-list__row" key={r.key}>
          <dt className="govuk-summary-list__key">{r.key}</dt>
          <dd className="govuk-summary-list__value">{r.value === '' || r.value == null ? <span className="cs-muted">Not recorded</span> : r.value}</dd>
          {r.action && (
            <dd className="govuk-summary-list__actions">
              <a className="govuk-link" href={r.action.href}>
                {r.action.label}
                <span className="govuk-visually-hidden"> {r.key.toLowerCase()}</span>
              </a>
            </dd>
          )}
        </div>
      ))}
    </dl>
  );
}

/** The same colour means the same thing everywhere: grey new, blue in progress, orange due soon, red overdue, green done. */
export type Tone = 'grey' | 'blue' | 'orange' | 'red' | 'green' | 'purple';

export function Tag({ tone = 'grey', children }: { tone?: Tone; children: ReactNode }) {
  return <strong className={`govuk-tag govuk-tag--${tone}`}>{children}</strong>;
}

export type Column<T> = { header: string; cell: (row: T) => ReactNode; numeric?: boolean; sortKey?: string };

export type TableProps<T> = {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  /** Server-side sort links: the current sort and a function building the URL for a column. */
  sort?: { current: string; dir: 'asc' | 'desc'; href: (key: string, dir: 'asc' | 'desc') => string };
  empty?: string;
};

export function Table<T>({ caption, columns, rows, rowKey, sort, empty = 'Nothing to show.' }: TableProps<T>) {
  if (rows.length === 0) return <p className="govuk-body cs-empty">{empty}</p>;
  return (
    // A table wider than the screen scrolls sideways inside this region, which keyboard users can
    // reach (tabIndex) and screen readers name (the caption).
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls sideways must be reachable by keyboard (WCAG 2.1.1, axe scrollable-region-focusable)
    <div className="cs-table-wrapper" role="region" aria-label={caption} tabIndex={0}>
      <table className="govuk-table">
        <caption className="govuk-table__caption govuk-table__caption--m govuk-visually-hidden">{caption}</caption>
        <thead className="govuk-table__head">
          <tr className="govuk-table__row">
            {columns.map((c) => {
              const active = sort && c.sortKey && sort.current === c.sortKey;
              const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : c.sortKey && sort ? 'none' : undefined;
              return (
                <th scope="col" className={`govuk-table__header${c.numeric ? ' govuk-table__header--numeric' : ''}`} key={c.header} aria-sort={ariaSort}>
                  {sort && c.sortKey ? (
                    <a className="govuk-link cs-sort-link" href={sort.href(c.sortKey, active && sort.dir === 'asc' ? 'desc' : 'asc')}>
                      {c.header}
                    </a>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="govuk-table__body">
          {rows.map((row) => (
            <tr className="govuk-table__row" key={rowKey(row)}>
              {columns.map((c) => (
                <td className={`govuk-table__cell${c.numeric ? ' govuk-table__cell--numeric' : ''}`} key={c.header}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Previous / next and page numbers; `href(page)` keeps the filters in the URL. */
export function Pagination({ page, pageSize, total, href }: { page: number; pageSize: number; total: number; href: (page: number) => string }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  const shown = [...new Set([1, page - 1, page, page + 1, pages])].filter((p) => p >= 1 && p <= pages).sort((a, b) => a - b);
  return (
    <nav className="govuk-pagination" aria-label="Pages">
      {page > 1 && (
        <div className="govuk-pagination__prev">
          <a className="govuk-link govuk-pagination__link" href={href(page - 1)} rel="prev">
            <span className="govuk-pagination__link-title">
              Previous<span className="govuk-visually-hidden"> page</span>
            </span>
          </a>
        </div>
      )}
      <ul className="govuk-pagination__list">
        {shown.map((p, i) => (
          <PageItem key={p} p={p} gap={i > 0 && p - (shown[i - 1] ?? p) > 1} current={p === page} href={href(p)} />
        ))}
      </ul>
      {page < pages && (
        <div className="govuk-pagination__next">
          <a className="govuk-link govuk-pagination__link" href={href(page + 1)} rel="next">
            <span className="govuk-pagination__link-title">
              Next<span className="govuk-visually-hidden"> page</span>
            </span>
          </a>
        </div>
      )}
    </nav>
  );
}

function PageItem({ p, gap, current, href }: { p: number; gap: boolean; current: boolean; href: string }) {
  return (
    <>
      {gap && <li className="govuk-pagination__item govuk-pagination__item--ellipses">⋯</li>}
      <li className={`govuk-pagination__item${current ? ' govuk-pagination__item--current' : ''}`}>
        <a className="govuk-link govuk-pagination__link" href={href} aria-label={`Page ${p}`} aria-current={current ? 'page' : undefined}>
          {p}
        </a>
      </li>
    </>
  );
}

export function ResultCount({ page, pageSize, total, noun }: { page: number; pageSize: number; total: number; noun: [string, string] }) {
  if (total === 0) return null;
  const from = (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  return (
    <p className="govuk-body cs-result-count">
      Showing {from} to {to} of {total} {total === 1 ? noun[0] : noun[1]}
    </p>
  );
}

/** A paged list: `ResultCount` above the `Table`, `Pagination` below, all from one `paging`. */
export function PagedTable<T>({
  paging,
  ...table
}: TableProps<T> & { paging: { page: number; pageSize: number; total: number; noun: [string, string]; href: (page: number) => string } }) {
  const { page, pageSize, total, noun, href } = paging;
  return (
    <>
      <ResultCount page={page} pageSize={pageSize} total={total} noun={noun} />
      <Table {...table} />
      <Pagination page={page} pageSize={pageSize} total={total} href={href} />
    </>
  );
}

export function InsetText({ children }: { children: ReactNode }) {
  return <div className="govuk-inset-text">{children}</div>;
}

export function WarningText({ children }: { children: ReactNode }) {
  return (
    <div className="govuk-warning-text">
      <span className="govuk-warning-text__icon" aria-hidden="true">
        !
      </span>
      <strong className="govuk-warning-text__text">
        <span className="govuk-visually-hidden">Warning</span>
        {children}
      </strong>
    </div>
  );
}

/** Text someone typed, line breaks kept: one paragraph per non-empty line. */
export function Paragraphs({ text, className = 'govuk-body' }: { text: string | null | undefined; className?: string }) {
  if (!text) return null;
  return (
    <>
      {text.split(/\r?\n/).map((line, i) =>
        line.trim() ? (
          <p className={`${className} govuk-!-margin-bottom-2`} key={i}>
            {line}
          </p>
        ) : null,
      )}
    </>
  );
}
