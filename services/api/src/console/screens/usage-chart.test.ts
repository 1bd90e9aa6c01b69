import { describe, expect, it } from 'vitest';
import { formatUsd } from '../components.tsx';
import { chartLabel, UsageChart, type ChartBar } from './usage-chart.tsx';

const draw = (bars: ChartBar[]) => String(UsageChart({ id: 'c', title: 'Cost by model', description: 'One bar per model.', bars, format: formatUsd }));

/** The width of every bar, in order. */
const widths = (svg: string) => [...svg.matchAll(/<rect class="bar"[^>]* width="([^"]+)"/g)].map((m) => Number(m[1]));

const ELEMENTS = new Set(['svg', 'title', 'desc', 'g', 'text', 'rect', 'line']);
const ATTRIBUTES = new Set([
  'class',
  'role',
  'aria-label',
  'aria-describedby',
  'id',
  'viewBox',
  'width',
  'height',
  'xmlns',
  'x',
  'y',
  'x1',
  'y1',
  'x2',
  'y2',
  'text-anchor',
  'dominant-baseline',
]);

/** Every tag in the markup, which must be one the chart draws with attributes it sets: text can add none (JSX escapes `<` and `"`). */
function unexpectedMarkup(svg: string): string[] {
  const odd: string[] = [];
  for (const [tag] of svg.matchAll(/<[^>]*>/g)) {
    const m = /^<\/?([a-zA-Z]+)((?:\s[a-zA-Z0-9-]+="[^"<>]*")*)\s*>$/.exec(tag);
    if (!m || !ELEMENTS.has(m[1]!)) {
      odd.push(tag);
      continue;
    }
    for (const [, name] of m[2]!.matchAll(/\s([a-zA-Z0-9-]+)=/g)) if (!ATTRIBUTES.has(name!)) odd.push(tag);
  }
  return odd;
}

describe('the usage chart', () => {
  it('is an image with a name and a description, and no style attribute or script', () => {
    const svg = draw([{ label: 'claude', value: 3 }]);
    expect(svg).toMatch(/^<svg class="chart" role="img" aria-label="Cost by model" aria-describedby="c-desc"/);
    expect(svg).toContain('<title>Cost by model</title>');
    expect(svg).toContain('<desc id="c-desc">One bar per model.</desc>');
    expect(unexpectedMarkup(svg)).toEqual([]);
  });

  it('says so when there is no data, with an axis and no bar', () => {
    const svg = draw([]);
    expect(svg).toContain('No usage in this period');
    expect(widths(svg)).toEqual([]);
    expect(svg).toContain('class="axis"');
    expect(svg).not.toContain('NaN');
  });

  it('draws one bar across the whole plot, labelled with its value and the axis ends', () => {
    const svg = draw([{ label: 'only', value: 12.5 }]);
    expect(widths(svg)).toEqual([340]);
    expect(svg).toContain('>only</text>');
    expect(svg).toContain('>$12.50</text>');
    expect(svg).toContain('>$0</text>');
    expect(svg).toContain('>$6.25</text>');
  });

  it('scales huge values to the plot, keeps tiny ones visible, and draws nothing for bad ones', () => {
    const svg = draw([
      { label: 'huge', value: 1e15 },
      { label: 'half', value: 5e14 },
      { label: 'tiny', value: 1e-9 },
      { label: 'zero', value: 0 },
      { label: 'negative', value: -5 },
      { label: 'nan', value: Number.NaN },
      { label: 'infinite', value: Number.POSITIVE_INFINITY },
    ]);
    expect(widths(svg)).toEqual([340, 170, 1, 0, 0, 0, 0]);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('draws nothing but text from hostile labels', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '"><img src=x onerror=alert(1)>',
      "' onmouseover='alert(1)",
      ']]><foreignObject><iframe src="javascript:alert(1)"/>',
      '\u202eevil\u0000\u001b[2J',
    ];
    const svg = draw(hostile.map((label, i) => ({ label, value: i + 1 })));
    expect(unexpectedMarkup(svg)).toEqual([]);
    // eslint-disable-next-line no-control-regex -- no control character may reach the page
    expect(svg).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(svg).toContain('&lt;script&gt;');
  });

  it('cuts long labels to the label column, whole characters only', () => {
    expect(chartLabel('a'.repeat(26))).toBe('a'.repeat(26));
    expect(chartLabel('a'.repeat(27))).toBe(`${'a'.repeat(25)}…`);
    expect(chartLabel('😀'.repeat(30))).toBe(`${'😀'.repeat(25)}…`);
    expect(chartLabel('bidi\u202ex\u2066y')).toBe('bidixy');
  });
});
