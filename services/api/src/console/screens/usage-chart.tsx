/** One bar: what it is and how much. */
export interface ChartBar {
  label: string;
  value: number;
}

const WIDTH = 640;
const LABEL_WIDTH = 190;
const VALUE_WIDTH = 110;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
const ROW = 26;
const TOP = 8;
const AXIS = 28;
const LABEL_CHARS = 26;

// Controls, bidi overrides and isolates: a label drawn from data must not reorder or hide text.
// eslint-disable-next-line no-control-regex -- finding control characters is what this pattern is for
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** A label as drawn: unsafe characters removed, and cut to fit the label column. */
export function chartLabel(label: string): string {
  const chars = [...label.replace(UNSAFE, '')];
  return chars.length > LABEL_CHARS ? `${chars.slice(0, LABEL_CHARS - 1).join('')}…` : chars.join('');
}

/** Negative, NaN and infinite values draw as nothing rather than breaking the scale. */
const drawable = (v: number) => (Number.isFinite(v) && v > 0 ? v : 0);

/**
 * A horizontal bar chart as server-rendered SVG: no script, and no style attribute (the console's
 * CSP forbids them), only presentation attributes and the `svg.chart` classes. The figures are
 * also in the table beside it; the chart is a picture of them, labelled for screen readers.
 */
export function UsageChart(props: { id: string; title: string; description: string; bars: readonly ChartBar[]; format: (value: number) => string }) {
  const bars = props.bars.map((b) => ({ label: chartLabel(b.label), full: b.label.replace(UNSAFE, ''), value: drawable(b.value) }));
  const max = Math.max(0, ...bars.map((b) => b.value));
  const plotHeight = Math.max(bars.length, 1) * ROW;
  const height = TOP + plotHeight + AXIS;
  const baseline = TOP + plotHeight;
  const widthOf = (v: number) => (max === 0 || v === 0 ? 0 : Math.max(1, (v / max) * PLOT_WIDTH));
  const ticks = max === 0 ? [0] : [0, max / 2, max];
  return (
    <svg
      class="chart"
      role="img"
      aria-label={props.title}
      aria-describedby={`${props.id}-desc`}
      viewBox={`0 0 ${WIDTH} ${height}`}
      width={WIDTH}
      height={height}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title>{props.title}</title>
      <desc id={`${props.id}-desc`}>{props.description}</desc>
      {bars.length === 0 ? (
        <text x={LABEL_WIDTH + 8} y={TOP + ROW / 2} dominant-baseline="middle">
          No usage in this period
        </text>
      ) : (
        bars.map((b, i) => {
          const y = TOP + i * ROW;
          const w = widthOf(b.value);
          return (
            <g>
              <title>{`${b.full}: ${props.format(b.value)}`}</title>
              <text x={LABEL_WIDTH - 8} y={y + ROW / 2} text-anchor="end" dominant-baseline="middle">
                {b.label}
              </text>
              <rect class="bar" x={LABEL_WIDTH} y={y + 4} width={round(w)} height={ROW - 8} />
              <text x={round(LABEL_WIDTH + w + 6)} y={y + ROW / 2} dominant-baseline="middle">
                {props.format(b.value)}
              </text>
            </g>
          );
        })
      )}
      <line class="axis" x1={LABEL_WIDTH} y1={TOP} x2={LABEL_WIDTH} y2={baseline} />
      <line class="axis" x1={LABEL_WIDTH} y1={baseline} x2={LABEL_WIDTH + PLOT_WIDTH} y2={baseline} />
      {ticks.map((t) => {
        const x = round(LABEL_WIDTH + widthOf(t));
        return (
          <g>
            <line class="axis" x1={x} y1={baseline} x2={x} y2={baseline + 4} />
            <text x={x} y={baseline + 18} text-anchor="middle">
              {props.format(t)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

const round = (n: number) => Math.round(n * 10) / 10;
