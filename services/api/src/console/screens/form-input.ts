import type { Context } from 'hono';
import type { ApiResult } from '../api-call.ts';
import type { ConsoleEnv } from '../console-env.ts';
import { isHtmx } from '../render.tsx';

/** What the API refused, as a form shows it again. */
export type Failure = Extract<ApiResult<unknown>, { ok: false }>;

/** One page of an API list. */
export interface ApiPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The names a form offers as choices (checkboxes, a select): the first page of them, at most
 * `CHOICES_LIMIT`, which keeps a form page small; `more` says a typed name is needed past them.
 */
export interface Choices {
  names: string[];
  more: boolean;
}

export const CHOICES_LIMIT = 200;

export const choicesOf = (page: ApiPage<{ name: string }>): Choices => ({ names: page.items.map((i) => i.name), more: page.nextCursor !== null });

/** What was typed into one field as a list: separated by commas or white space. */
export const wordsIn = (value: string) => value.split(/[\s,]+/).filter(Boolean);

/** A posted form's fields: `text` for one value (trimmed), `all` for a repeated one (checkboxes), `raw` as typed (secrets). */
export interface PostedForm {
  text(name: string): string;
  all(name: string): string[];
  raw(name: string): string;
}

/** The posted form; anything that is not a form reads as empty, so the API reports what is missing. */
export async function readForm(c: Context<ConsoleEnv>): Promise<PostedForm> {
  const data = await c.req.formData().catch(() => new FormData());
  const strings = (name: string) => data.getAll(name).filter((v): v is string => typeof v === 'string');
  return {
    raw: (name) => strings(name)[0] ?? '',
    text: (name) => (strings(name)[0] ?? '').trim(),
    all: (name) =>
      strings(name)
        .map((v) => v.trim())
        .filter(Boolean),
  };
}

/**
 * A whole number as typed, for the API to check: empty is absent, anything else that is not a
 * number goes as the text, so the API's own validation message names the field.
 */
export function numberInput(value: string): number | string | undefined {
  if (value === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

/**
 * After a change the API accepted: back to the list. A plain form gets a 303; htmx gets
 * HX-Redirect, a full navigation, so the list and its message are fresh.
 */
export function afterChange(c: Context<ConsoleEnv>, url: string): Response {
  if (isHtmx(c)) return c.body(null, 200, { 'hx-redirect': url });
  return c.redirect(url, 303);
}

/** A name from a `?saved=` style message parameter, shown only if it is one (names are slugs). */
export function shownName(value: string | undefined): string | undefined {
  return value !== undefined && /^[a-z][a-z0-9-]{0,62}$/.test(value) ? value : undefined;
}

/** A path segment for the API: names and ids pass unchanged, anything else is escaped for the API to refuse. */
export const segment = (ref: string) => encodeURIComponent(ref);
