import { RunEvent } from '@remit/core';
import type { Child } from 'hono/jsx';
import { Badge, formatTime } from '../components.tsx';

// Everything here renders data a model and a sandbox wrote: every field is untrusted. JSX
// escapes it; these limits keep one huge field from making a page of megabytes.

/** Tool input and output per event: a screenful, so a run of a hundred calls stays a page that loads. */
const SHOWN_OUTPUT = 4096;
/** A model's text: its reasoning is what a reader comes for, so more of it shows. */
const SHOWN_TEXT = 16_384;
/** A name, path, code or reason: anything longer is no longer a name. */
const SHOWN_WORD = 300;

/** The first `max` characters, never ending half-way through a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

const word = (v: string) => (v.length > SHOWN_WORD ? `${cut(v, SHOWN_WORD)}…` : v);
const count = (n: number) => n.toLocaleString('en-US');

/** A value as text: a string as itself, anything else as indented JSON. Never throws. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return '(a value this console cannot show)';
  }
}

/** A block of tool input or output, cut to `max` characters with a note saying so. */
function Block(props: { value: unknown; max?: number }) {
  const text = asText(props.value);
  const max = props.max ?? SHOWN_OUTPUT;
  if (text.length <= max) return <pre tabindex={0}>{text}</pre>;
  return (
    <>
      <pre tabindex={0}>{cut(text, max)}</pre>
      <p class="hint">
        Showing the first {count(max)} of {count(text.length)} characters; <code>remit runs export</code> has all of it.
      </p>
    </>
  );
}

const deniedBecause = {
  tool_not_offered: 'the model asked for a tool this run does not offer',
  connection_not_in_role: 'the connection is not one of this run’s role',
} as const;

/** One transcript entry: what happened on its first line, its details below. */
function Item(props: { at: string; seq: number; class: string; label: string; denial?: boolean; head?: Child; children?: Child }) {
  return (
    <li class={props.class} data-seq={String(props.seq)}>
      <div>
        {props.denial ? <strong class="kind">{props.label}</strong> : <span class="kind">{props.label}</span>} {props.head}{' '}
        <time class="muted" datetime={word(props.at)}>
          {formatTime(word(props.at))}
        </time>
      </div>
      {props.children}
    </li>
  );
}

function StatusItem({ e }: { e: Extract<RunEvent, { type: 'status' }> }) {
  const d = e.data;
  const bad = d.status === 'failed' || d.status === 'timed_out';
  return (
    <Item
      at={e.at}
      seq={e.seq}
      class={bad ? 'status bad' : 'status'}
      label="Status"
      head={
        <>
          <Badge value={d.status} />
          {d.reason ? (
            <>
              {' '}
              because <code>{word(d.reason)}</code>
            </>
          ) : null}
          {d.role ? (
            <>
              {' '}
              · as role <code>{word(d.role)}</code>
            </>
          ) : null}
          {d.model ? (
            <>
              {' '}
              · model <code>{word(d.model)}</code>
            </>
          ) : null}
          {d.readyMs !== undefined ? <> · sandbox ready in {Math.round(d.readyMs)} ms</> : null}
          {d.steps !== undefined ? <> · {d.steps} steps</> : null}
        </>
      }
    />
  );
}

function ModelTurnItem({ e }: { e: Extract<RunEvent, { type: 'model_turn' }> }) {
  const d = e.data;
  return (
    <Item
      at={e.at}
      seq={e.seq}
      class="model"
      label="Model"
      head={
        <>
          step {d.step} · <code>{word(d.model)}</code> · stopped: {word(d.stopReason)}
          {d.usage ? (
            <>
              {' '}
              · {count(d.usage.inputTokens)} tokens in, {count(d.usage.outputTokens)} out
            </>
          ) : null}
        </>
      }
    >
      {d.text ? <Block value={d.text} max={SHOWN_TEXT} /> : null}
      {d.toolCalls.length > 0 ? (
        <p>
          Asks for:{' '}
          {d.toolCalls.map((call, i) => (
            <>
              {i > 0 ? ', ' : ''}
              <code>{word(call.name)}</code>
            </>
          ))}
        </p>
      ) : null}
    </Item>
  );
}

function EgressItem({ e }: { e: Extract<RunEvent, { type: 'egress' }> }) {
  const d = e.data;
  const request = (
    <>
      <code>{word(d.method)}</code> on <code>{word(d.connection)}</code> <code>{word(d.path)}</code>
    </>
  );
  if (!d.allowed) {
    return (
      <Item at={e.at} seq={e.seq} class="denied" label="Denied" denial head={<>egress: {request}</>}>
        <p>Reason: {d.reason ? <code>{word(d.reason)}</code> : 'none given'}</p>
      </Item>
    );
  }
  return (
    <Item
      at={e.at}
      seq={e.seq}
      class="egress-allowed"
      label="Egress"
      head={
        <>
          {request}
          {d.status !== undefined ? <> → {d.status}</> : null}
        </>
      }
    />
  );
}

/** An event this console does not know (a newer API) or that does not match its schema: shown as data. */
function Unreadable({ event }: { event: unknown }) {
  const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
  return (
    <li class="warn">
      <div>
        <span class="kind">Event</span> {typeof type === 'string' ? <code>{word(type)}</code> : null}{' '}
        <span class="muted">of a kind this console cannot show; its data:</span>
      </div>
      <Block value={event} max={1024} />
    </li>
  );
}

/** One transcript event as a list item; anything that is not a valid event is shown as data. */
export function TranscriptItem({ event }: { event: unknown }) {
  const parsed = RunEvent.safeParse(event);
  if (!parsed.success) return <Unreadable event={event} />;
  const e = parsed.data;
  const at = { at: e.at, seq: e.seq };
  switch (e.type) {
    case 'status':
      return <StatusItem e={e} />;
    case 'model_turn':
      return <ModelTurnItem e={e} />;
    case 'tool_call':
      return (
        <Item {...at} class="tool" label="Tool call" head={<code>{word(e.data.name)}</code>}>
          <Block value={e.data.input} />
        </Item>
      );
    case 'tool_result': {
      const d = e.data;
      return (
        <Item
          {...at}
          class={d.ok ? 'result' : 'result bad'}
          label="Result"
          head={
            <>
              <code>{word(d.name)}</code> <Badge value={d.ok ? 'ok' : 'error'} />
              {d.error ? (
                <>
                  {' '}
                  <strong>{word(d.error.message)}</strong> <code>{word(d.error.code)}</code>
                </>
              ) : null}
            </>
          }
        >
          {d.output === undefined ? <p class="muted">No output.</p> : <Block value={d.output} />}
        </Item>
      );
    }
    case 'tool_denied': {
      const d = e.data;
      return (
        <Item
          {...at}
          class="denied"
          label="Denied"
          denial
          head={
            <>
              tool <code>{word(d.name)}</code>
              {d.connection ? (
                <>
                  {' '}
                  on connection <code>{word(d.connection)}</code>
                </>
              ) : null}
            </>
          }
        >
          <p>
            Reason: {deniedBecause[d.reason]} (<code>{d.reason}</code>)
          </p>
        </Item>
      );
    }
    case 'egress':
      return <EgressItem e={e} />;
    case 'sandbox': {
      const { type, ...rest } = e.data;
      return (
        <Item {...at} class="sandbox" label="Sandbox" head={<code>{word(type)}</code>}>
          {Object.keys(rest).length > 0 ? <Block value={rest} max={1024} /> : null}
        </Item>
      );
    }
    case 'connection_unavailable':
      return (
        <Item
          {...at}
          class="warn"
          label="Connection unavailable"
          head={
            <>
              <code>{word(e.data.name)}</code>: {word(e.data.reason)}
            </>
          }
        />
      );
    case 'error':
      return (
        <Item {...at} class="bad" label="Error" head={<code>{word(e.data.reason)}</code>}>
          <Block value={e.data.message} max={SHOWN_OUTPUT} />
        </Item>
      );
  }
}

/** The run's SSE data as a value to render: JSON when it is JSON, else the text itself (shown as unreadable). */
export function parseEventData(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

/** One event as HTML for the live stream; never throws, whatever the event holds. */
export async function transcriptItemHtml(event: unknown): Promise<string> {
  try {
    return await (<TranscriptItem event={event} />).toString();
  } catch {
    return await (<Unreadable event="(an event this console could not render)" />).toString();
  }
}
