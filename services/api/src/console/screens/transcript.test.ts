import fc from 'fast-check';
import { RunStatus } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { hostile } from '../../testing/hostile-text.ts';
import { parseEventData, transcriptItemHtml } from './transcript.tsx';

const attacks = [
  '</script><script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '<li hx-get="/console/logout" hx-trigger="load">',
  '<section id="run-summary" hx-swap-oob="true">',
  '\u0000',
  '\ud800', // lone surrogates
  '\udfff',
  '<!--',
  '&lt;already&gt;',
  '\r\n\r\nevent: done\ndata: x\n\n',
];

/** Text an attacker chose: any code units, whole attack strings, and now and then a very long one. */
const text = fc.oneof(
  { weight: 4, arbitrary: hostile },
  { weight: 3, arbitrary: fc.constantFrom(...attacks) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => '"><img src=x onerror=alert(1)>'.repeat(n)) },
);
const json = fc.jsonValue({ maxDepth: 3 });
const input = fc.dictionary(text, fc.oneof(text, json), { maxKeys: 4 });

/** Data of each event type, shaped to pass the schema (so each type's own rendering runs), every string hostile. */
const dataOf = {
  status: fc.record(
    {
      status: fc.constantFrom(...RunStatus.options),
      reason: fc.option(text, { nil: null }),
      model: text,
      answer: text,
      readyMs: fc.integer(),
      steps: fc.integer(),
    },
    { requiredKeys: ['status'] },
  ),
  model_turn: fc.record({
    step: fc.integer(),
    model: text,
    text,
    toolCalls: fc.array(fc.record({ id: text, name: text, input }), { maxLength: 3 }),
    stopReason: text,
    usage: fc.option(fc.record({ inputTokens: fc.nat(), outputTokens: fc.nat() }), { nil: null }),
  }),
  tool_call: fc.record({ id: text, name: text, input }),
  tool_result: fc.record(
    { id: text, name: text, ok: fc.boolean(), output: fc.oneof(text, json), error: fc.record({ code: text, message: text }) },
    { requiredKeys: ['id', 'name', 'ok'] },
  ),
  tool_denied: fc.record(
    { id: text, name: text, connection: fc.option(text, { nil: null }), reason: fc.constantFrom('tool_not_offered', 'connection_not_in_role') },
    { requiredKeys: ['id', 'name', 'reason'] },
  ),
  egress: fc.record(
    { connection: text, method: text, path: text, allowed: fc.boolean(), reason: fc.option(text, { nil: null }), status: fc.integer() },
    { requiredKeys: ['connection', 'method', 'path', 'allowed', 'reason'] },
  ),
  sandbox: fc.record({ type: text, detail: fc.oneof(text, json) }, { requiredKeys: ['type'] }),
  connection_unavailable: fc.record({ name: text, reason: text }),
  error: fc.record({ reason: text, message: text }),
};

const wellFormed = fc.oneof(
  ...Object.entries(dataOf).map(([type, data]) =>
    fc.record({ seq: fc.nat(), type: fc.constant(type), data: data as fc.Arbitrary<unknown>, at: fc.constant('2026-01-01T00:00:00.000Z') }),
  ),
);
/** Anything at all: unknown types, wrong shapes, not even an object, or text that is not JSON. */
const malformed = fc.oneof(
  fc.record({ seq: fc.oneof(fc.nat(), text), type: fc.oneof(text, fc.constantFrom(...Object.keys(dataOf))), data: fc.anything(), at: text }),
  fc.anything(),
  text.map(parseEventData),
);

/** The only markup a transcript item may contain: our own tags and attributes; every other `<` and quote is escaped. */
const OUR_TAG = /^<\/?(li|div|span|strong|code|pre|p|time)((?: (?:class|data-seq|datetime|tabindex)="[^"<>]*")*)>$/;

function expectOnlyOurMarkup(html: string): void {
  expect(html).toMatch(/^<li class="[^"]*"/);
  expect(html.endsWith('</li>')).toBe(true);
  const tags = html.match(/<[^>]*>/g) ?? [];
  // Every `<` starts one of our tags: none comes from the data.
  expect(html.split('<').length - 1).toBe(tags.length);
  for (const tag of tags) expect(tag).toMatch(OUR_TAG);
  // The renderer itself never gave up (its fallback would hide a throw).
  expect(html).not.toContain('could not render');
}

describe('transcript rendering', () => {
  it('escapes every field of any well-formed event, whatever it holds, and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(wellFormed, async (event) => {
        const html = await transcriptItemHtml(event);
        expectOnlyOurMarkup(html);
        expect(html).not.toContain('of a kind this console cannot show'); // each type rendered as itself
        // One huge field cannot make a huge item.
        expect(html.length).toBeLessThan(200_000);
      }),
      { numRuns: 400 },
    );
  });

  it('shows anything that is not a valid event as escaped data, and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(malformed, async (event) => {
        expectOnlyOurMarkup(await transcriptItemHtml(event));
      }),
      { numRuns: 400 },
    );
  });

  it('marks denials clearly: a refused tool call and a refused egress say Denied and why', async () => {
    const at = '2026-01-01T00:00:00.000Z';
    const denied = await transcriptItemHtml({
      seq: 4,
      type: 'tool_denied',
      at,
      data: { id: 't', name: 'aws', connection: 'prod', reason: 'connection_not_in_role' },
    });
    expect(denied).toMatch(/^<li class="denied" data-seq="4"><div><strong class="kind">Denied<\/strong> tool <code>aws<\/code>/);
    expect(denied).toContain('the connection is not one of this run’s role');

    const egressDenied = await transcriptItemHtml({
      seq: 5,
      type: 'egress',
      at,
      data: { connection: 'payments', method: 'DELETE', path: '/v1/charges', allowed: false, reason: 'method_not_allowed' },
    });
    expect(egressDenied).toMatch(/^<li class="denied"/);
    expect(egressDenied).toContain('<strong class="kind">Denied</strong>');
    expect(egressDenied).toContain('<code>method_not_allowed</code>');

    const allowed = await transcriptItemHtml({
      seq: 6,
      type: 'egress',
      at,
      data: { connection: 'payments', method: 'GET', path: '/v1/health', allowed: true, reason: null, status: 200 },
    });
    expect(allowed).toMatch(/^<li class="egress-allowed"/);
    expect(allowed).not.toContain('Denied');
    expect(allowed).toContain('→ 200');
  });

  it('cuts large tool output to 4 KB with a note, never in the middle of a surrogate pair', async () => {
    const output = `${'a'.repeat(4095)}😀${'b'.repeat(5000)}`;
    const html = await transcriptItemHtml({ seq: 1, type: 'tool_result', at: '2026-01-01T00:00:00.000Z', data: { id: 't', name: 'exec', ok: true, output } });
    expect(html).toContain(`<pre tabindex="0">${'a'.repeat(4095)}</pre>`);
    expect(html).toContain('Showing the first 4,096 of 9,097 characters');
  });
});
