import { formatDate } from '../../../ui/format.ts';
import type { TrendPoint } from './service.ts';

// The drawing area, in the SVG's own units; it scales to the width of the page.
const WIDTH = 640;
const HEIGHT = 260;
const PAD = { left: 60, right: 32, top: 16, bottom: 44 };
const INK = '#0b0c0c';
const GREY = '#505a5f';
const GRID = '#b1b4b6';
const LINE = '#1d70b8';
/** The page's own font (see web/assets.ts): SVG text does not inherit it from the GOV.UK classes. */
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** "3 Nov": the axis has little room. */
const shortDate = (isoDate: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' }).format(new Date(`${isoDate}T12:00:00Z`));

export const percentText = (value: number | null) => (value === null ? 'nothing assigned' : `${value.toLocaleString('en-GB', { maximumFractionDigits: 1 })}%`);

/** What the chart shows, in one sentence, for screen readers (the table below has every number). */
export function trendDescription(points: TrendPoint[]): string {
  const first = points.find((p) => p.percentSigned !== null);
  const last = points.at(-1);
  if (!first || !last) return 'Percentage signed at the end of each of the last 12 weeks: nothing was assigned in that time.';
  return `Line chart of the percentage signed at the end of each of the last ${points.length} weeks: ${percentText(first.percentSigned)} in the week ending ${formatDate(first.weekEnd)}, ${percentText(last.percentSigned)} in the week ending ${formatDate(last.weekEnd)}.`;
}

/**
 * The trend as a simple server-drawn line chart (no JavaScript): % signed at the end of each week.
 * The SVG is one image to assistive technology (role="img" with a description), and the same
 * numbers follow in a table inside a details element.
 */
export function TrendChart({ points }: { points: TrendPoint[] }) {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (points.length <= 1 ? plotWidth / 2 : (i * plotWidth) / (points.length - 1));
  const y = (percent: number) => PAD.top + plotHeight - (percent / 100) * plotHeight;
  // A gap in the line where nothing was assigned yet.
  const segments: string[][] = [];
  let current: string[] = [];
  points.forEach((p, i) => {
    if (p.percentSigned === null) {
      if (current.length) segments.push(current);
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(p.percentSigned).toFixed(1)}`);
  });
  if (current.length) segments.push(current);
  return (
    <figure className="govuk-!-margin-0 govuk-!-margin-bottom-6">
      <svg
        xmlns="http://www.w3.org/2000/svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-label={trendDescription(points)}
        data-chart="trend"
        focusable="false"
        fontFamily={FONT}
      >
        {[0, 25, 50, 75, 100].map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} stroke={GRID} strokeWidth={v === 0 ? 2 : 1} />
            <text x={PAD.left - 8} y={y(v) + 5} textAnchor="end" fontSize="14" fill={GREY}>
              {`${v}%`}
            </text>
          </g>
        ))}
        {points.map((p, i) =>
          (points.length - 1 - i) % 2 === 0 ? (
            <text key={p.weekEnd} x={x(i)} y={HEIGHT - PAD.bottom + 24} textAnchor="middle" fontSize="14" fill={GREY}>
              {shortDate(p.weekEnd)}
            </text>
          ) : null,
        )}
        {segments.map((s) => (
          <polyline key={s[0]} points={s.join(' ')} fill="none" stroke={LINE} strokeWidth="3" strokeLinejoin="round" />
        ))}
        {points.map((p, i) =>
          p.percentSigned === null ? null : (
            <circle key={p.weekEnd} cx={x(i)} cy={y(p.percentSigned)} r="4.5" fill={LINE} stroke="#ffffff" strokeWidth="1.5">
              <title>{`Week ending ${formatDate(p.weekEnd)}: ${percentText(p.percentSigned)} signed (${p.signed.toLocaleString('en-GB')} of ${p.assigned.toLocaleString('en-GB')})`}</title>
            </circle>
          ),
        )}
        <text x={PAD.left} y={HEIGHT - 4} fontSize="13" fill={INK}>
          Week ending
        </text>
      </svg>
      <figcaption className="govuk-body-s cs-muted">Percentage signed at the end of each week; the last week ends today.</figcaption>
      <details className="govuk-details" data-module="govuk-details">
        <summary className="govuk-details__summary">
          <span className="govuk-details__summary-text">The chart’s numbers as a table</span>
        </summary>
        <div className="govuk-details__text">
          <table className="govuk-table" data-table="trend">
            <caption className="govuk-table__caption govuk-table__caption--s">Percentage signed at the end of each week</caption>
            <thead className="govuk-table__head">
              <tr className="govuk-table__row">
                <th scope="col" className="govuk-table__header">
                  Week ending
                </th>
                <th scope="col" className="govuk-table__header govuk-table__header--numeric">
                  Assigned
                </th>
                <th scope="col" className="govuk-table__header govuk-table__header--numeric">
                  Signed
                </th>
                <th scope="col" className="govuk-table__header govuk-table__header--numeric">
                  % signed
                </th>
              </tr>
            </thead>
            <tbody className="govuk-table__body">
              {points.map((p) => (
                <tr className="govuk-table__row" key={p.weekEnd}>
                  <th scope="row" className="govuk-table__header">
                    {formatDate(p.weekEnd)}
                  </th>
                  <td className="govuk-table__cell govuk-table__cell--numeric">{p.assigned.toLocaleString('en-GB')}</td>
                  <td className="govuk-table__cell govuk-table__cell--numeric">{p.signed.toLocaleString('en-GB')}</td>
                  <td className="govuk-table__cell govuk-table__cell--numeric">{p.percentSigned === null ? '–' : percentText(p.percentSigned)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
