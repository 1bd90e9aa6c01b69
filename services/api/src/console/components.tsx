import type { Child } from 'hono/jsx';
import type { ConsoleUser } from './console-env.ts';

/** An error as the API (or the console) reported it: its message for people, its code for support. */
export function ErrorAlert(props: { error: { code: string; message: string } }) {
  return (
    <div class="alert error" role="alert">
      <strong>{props.error.message}</strong> <code>{props.error.code}</code>
    </div>
  );
}

export function OkAlert(props: { children?: Child }) {
  return (
    <div class="alert ok" role="status">
      {props.children}
    </div>
  );
}

/** The session's CSRF token for a plain form (htmx requests send it as a header). */
export function CsrfField(props: { user: ConsoleUser }) {
  return <input type="hidden" name="_csrf" value={props.user.csrfToken} />;
}

/** A status word as a badge whose class carries its tone (see console.css). */
export function Badge(props: { value: string; tone?: string }) {
  return <span class={`badge ${props.tone ?? props.value}`}>{props.value.replaceAll('_', ' ')}</span>;
}

export const formatUsd = (usd: number) => (usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`);

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A timestamp as UTC, to the second: the same on every screen and in every browser. */
export const formatTime = (iso: string | null) => (iso === null ? '—' : `${iso.slice(0, 19).replace('T', ' ')} UTC`);

/** A list filter's drop-down: "Any" or one of `values`, shown with spaces for underscores. */
export function Choice(props: { name: string; label: string; values: readonly string[]; value: string | undefined }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">Any</option>
        {props.values.map((v) => (
          <option value={v} selected={v === props.value}>
            {v.replaceAll('_', ' ')}
          </option>
        ))}
      </select>
    </label>
  );
}
