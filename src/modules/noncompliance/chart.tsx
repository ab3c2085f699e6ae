/**
 * Simple server-drawn bar charts for counts (no JavaScript, no inline styles): one horizontal bar
 * a category (clauses, schools, roles) or one column a month. The SVG is one image to assistive
 * technology, described in a sentence; the same numbers follow in a table. The compliance
 * dashboard's chart (acknowledgements/compliance/chart.tsx) draws percentages over weeks as a
 * line, which does not fit counts by category, hence this one.
 */

export type Bar = { key: string; label: string; value: number /** A shorter label for a column chart's axis ("Mar"). */; axisLabel?: string };

const WIDTH = 640;
const INK = '#0b0c0c';
const GREY = '#505a5f';
const GRID = '#b1b4b6';
const BAR = '#1d70b8';
/** The page's own font (see web/assets.ts): SVG text does not inherit it from the GOV.UK classes. */
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
/** A horizontal chart draws this many bars at most; the table always has every row. */
export const MAX_ROWS = 15;

const n = (v: number) => v.toLocaleString('en-GB');
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`);

/** The chart in one sentence for screen readers: "Non-compliance by school: School A 3, School B 1." */
export function chartDescription(title: string, bars: Bar[]): string {
  if (bars.length === 0) return `${title}: none.`;
  return `Bar chart. ${title}: ${bars.map((b) => `${b.label} ${n(b.value)}`).join(', ')}.`;
}

function Rows({ bars, title }: { bars: Bar[]; title: string }) {
  const shown = bars.slice(0, MAX_ROWS);
  const labelWidth = 260;
  const row = 30;
  const height = 12 + shown.length * row;
  const max = Math.max(1, ...shown.map((b) => b.value));
  const room = WIDTH - labelWidth - 60;
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${WIDTH} ${height}`}
      width="100%"
      role="img"
      aria-label={chartDescription(title, bars)}
      focusable="false"
      fontFamily={FONT}
      data-chart="bars"
    >
      <line x1={labelWidth} x2={labelWidth} y1={4} y2={height - 4} stroke={GRID} strokeWidth="2" />
      {shown.map((b, i) => {
        const y = 8 + i * row;
        const length = (b.value / max) * room;
        return (
          <g key={b.key}>
            <title>{`${b.label}: ${n(b.value)}`}</title>
            <text x={labelWidth - 8} y={y + 15} textAnchor="end" fontSize="14" fill={INK}>
              {clip(b.label, 30)}
            </text>
            <rect x={labelWidth} y={y + 2} width={Math.max(length, b.value > 0 ? 2 : 0).toFixed(1)} height="18" fill={BAR} />
            <text x={labelWidth + length + 6} y={y + 16} fontSize="14" fill={INK}>
              {n(b.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function Columns({ bars, title }: { bars: Bar[]; title: string }) {
  const height = 220;
  const pad = { left: 16, right: 16, top: 24, bottom: 32 };
  const plotWidth = WIDTH - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = plotWidth / Math.max(1, bars.length);
  const barWidth = Math.min(40, slot * 0.6);
  const base = pad.top + plotHeight;
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${WIDTH} ${height}`}
      width="100%"
      role="img"
      aria-label={chartDescription(title, bars)}
      focusable="false"
      fontFamily={FONT}
      data-chart="columns"
    >
      <line x1={pad.left} x2={WIDTH - pad.right} y1={base} y2={base} stroke={GRID} strokeWidth="2" />
      {bars.map((b, i) => {
        const cx = pad.left + slot * i + slot / 2;
        const h = (b.value / max) * plotHeight;
        return (
          <g key={b.key}>
            <title>{`${b.label}: ${n(b.value)}`}</title>
            <rect x={(cx - barWidth / 2).toFixed(1)} y={(base - h).toFixed(1)} width={barWidth.toFixed(1)} height={h.toFixed(1)} fill={BAR} />
            <text x={cx.toFixed(1)} y={(base - h - 6).toFixed(1)} textAnchor="middle" fontSize="14" fill={INK}>
              {n(b.value)}
            </text>
            <text x={cx.toFixed(1)} y={base + 20} textAnchor="middle" fontSize="13" fill={GREY}>
              {b.axisLabel ?? clip(b.label, 8)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/**
 * A bar chart with its numbers in a table. `layout="columns"` for months (in order, zeros kept),
 * `rows` (the default) for categories, largest first.
 */
export function BarChart({
  id,
  title,
  bars,
  categoryHeader,
  layout = 'rows',
  empty,
}: {
  id: string;
  title: string;
  bars: Bar[];
  categoryHeader: string;
  layout?: 'rows' | 'columns';
  empty: string;
}) {
  const total = bars.reduce((sum, b) => sum + b.value, 0);
  if (total === 0) return <p className="govuk-body cs-empty">{empty}</p>;
  return (
    <figure className="govuk-!-margin-0 govuk-!-margin-bottom-6" data-figure={id}>
      {layout === 'columns' ? <Columns bars={bars} title={title} /> : <Rows bars={bars} title={title} />}
      {layout === 'rows' && bars.length > MAX_ROWS && (
        <figcaption className="govuk-body-s cs-muted">
          The chart shows the {MAX_ROWS} largest; the table has all {bars.length}.
        </figcaption>
      )}
      <details className="govuk-details" data-module="govuk-details">
        <summary className="govuk-details__summary">
          <span className="govuk-details__summary-text">The chart’s numbers as a table</span>
        </summary>
        <div className="govuk-details__text">
          <table className="govuk-table" data-table={id}>
            <caption className="govuk-table__caption govuk-table__caption--s">{title}</caption>
            <thead className="govuk-table__head">
              <tr className="govuk-table__row">
                <th scope="col" className="govuk-table__header">
                  {categoryHeader}
                </th>
                <th scope="col" className="govuk-table__header govuk-table__header--numeric">
                  Number
                </th>
              </tr>
            </thead>
            <tbody className="govuk-table__body">
              {bars.map((b) => (
                <tr className="govuk-table__row" key={b.key}>
                  <th scope="row" className="govuk-table__header">
                    {b.label}
                  </th>
                  <td className="govuk-table__cell govuk-table__cell--numeric">{n(b.value)}</td>
                </tr>
              ))}
              <tr className="govuk-table__row">
                <th scope="row" className="govuk-table__header">
                  Total
                </th>
                <td className="govuk-table__cell govuk-table__cell--numeric">{n(total)}</td>
              </tr>
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
