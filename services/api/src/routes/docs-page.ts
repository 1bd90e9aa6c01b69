import { createHash } from 'node:crypto';
import { html, raw } from 'hono/html';

/**
 * The API reference at /docs, rendered on the server from the same OpenAPI document that
 * /openapi.json serves. No script runs and nothing loads from elsewhere: the page is HTML and
 * one inline stylesheet, pinned by hash in its Content-Security-Policy. (The hosted reference
 * UIs either fetch their bundle from a CDN at view time or, served locally, need Node 22.)
 */

interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  prefixItems?: Schema[];
  enum?: unknown[];
  const?: unknown;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
  discriminator?: { propertyName: string };
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  deprecated?: boolean;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  deprecated?: boolean;
  schema?: Schema;
}
type Content = Record<string, { schema?: Schema }>;
interface Response {
  description: string;
  headers?: Record<string, { description?: string; schema?: Schema }>;
  content?: Content;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Content };
  responses?: Record<string, Response>;
}
/** The parts of an OpenAPI 3.1 document the page reads. */
export interface ApiDocument {
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  security?: Record<string, string[]>[];
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

type Fragment = ReturnType<typeof html>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);
const anchor = (kind: 'op' | 'schema', name: string) => `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** A schema's type as one line: `string`, `Run[]`, `"a" | "b"`, with links to named schemas. */
function typeOf(s: Schema | undefined): Fragment {
  if (!s) return html`any`;
  if (s.$ref) return html`<a href="#${anchor('schema', refName(s.$ref))}">${refName(s.$ref)}</a>`;
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives) return html`${alternatives.map((a, i) => html`${i ? ' | ' : ''}${typeOf(a)}`)}`;
  if (s.enum) return html`${s.enum.map((v, i) => html`${i ? ' | ' : ''}<code>${JSON.stringify(v)}</code>`)}`;
  if (s.const !== undefined) return html`<code>${JSON.stringify(s.const)}</code>`;
  const types = Array.isArray(s.type) ? s.type : [s.type ?? 'any'];
  return html`${types.map((t, i) => html`${i ? ' | ' : ''}${t === 'array' ? html`${typeOf(s.items)}[]` : s.format && t !== 'null' ? `${t} (${s.format})` : t}`)}`;
}

/** Descriptions use Markdown's `code` spans and nothing else; those become <code>, the rest stays text. */
function prose(text: string | undefined): Fragment {
  return html`${(text ?? '').split('`').map((part, i) => (i % 2 ? html`<code>${part}</code>` : part))}`;
}

function constraints(s: Schema): string {
  const parts = [
    s.minimum !== undefined ? `≥ ${s.minimum}` : '',
    s.maximum !== undefined ? `≤ ${s.maximum}` : '',
    s.minLength !== undefined ? `length ≥ ${s.minLength}` : '',
    s.maxLength !== undefined ? `length ≤ ${s.maxLength}` : '',
    s.pattern ? `matches ${s.pattern}` : '',
    s.default !== undefined ? `default ${JSON.stringify(s.default)}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** An object's fields as a table; nested inline objects get their own table, a few levels deep. */
function fields(s: Schema, depth = 0): Fragment {
  if (s.oneOf && s.discriminator) {
    return html`<p>One of, by <code>${s.discriminator.propertyName}</code>: ${typeOf(s)}</p>`;
  }
  if (!s.properties) return html`<p>${typeOf(s)}</p>`;
  const required = new Set(s.required ?? []);
  return html`<table>
    <tr>
      <th>field</th>
      <th>type</th>
      <th>about</th>
    </tr>
    ${Object.entries(s.properties).map(([name, p]) => {
      const nested = p.items && !p.items.$ref && p.items.properties ? p.items : p.properties ? p : undefined;
      return html`<tr>
        <td><code>${name}</code>${required.has(name) ? '' : html` <small>optional</small>`}${p.deprecated ? html` <small>deprecated</small>` : ''}</td>
        <td>${typeOf(p)}</td>
        <td>${prose(p.description)} <small>${constraints(p)}</small>${nested && depth < 3 ? fields(nested, depth + 1) : ''}</td>
      </tr>`;
    })}
  </table>`;
}

function parameters(list: Parameter[] | undefined): Fragment {
  if (!list?.length) return html``;
  return html`<h4>Parameters</h4>
    <table>
      <tr>
        <th>name</th>
        <th>in</th>
        <th>type</th>
        <th>about</th>
      </tr>
      ${list.map(
        (p) =>
          html`<tr>
            <td><code>${p.name}</code>${p.required ? '' : html` <small>optional</small>`}${p.deprecated ? html` <small>deprecated</small>` : ''}</td>
            <td>${p.in}</td>
            <td>${typeOf(p.schema)}</td>
            <td>${prose(p.description ?? p.schema?.description)} <small>${p.schema ? constraints(p.schema) : ''}</small></td>
          </tr>`,
      )}
    </table>`;
}

/** A body: a named schema links to its section; an unnamed object shows its fields here. */
function content(c: Content | undefined): Fragment {
  return html`${Object.entries(c ?? {}).map(
    ([type, media]) =>
      html`<p><small>${type}</small> ${media.schema?.properties ? '' : typeOf(media.schema)}</p>
        ${media.schema?.properties ? fields(media.schema) : ''}`,
  )}`;
}

function operation(path: string, method: string, op: Operation, defaultSecurity: ApiDocument['security']): Fragment {
  const security = op.security ?? defaultSecurity ?? [];
  const id = op.operationId ?? `${method}-${path}`;
  return html`<section class="op" id="${anchor('op', id)}">
    <h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${path}</code></h3>
    <p>${op.summary ?? ''} <small>${op.operationId ?? ''} · ${security.length ? 'bearer token' : 'no token'}</small></p>
    ${op.description ? html`<p>${prose(op.description)}</p>` : ''} ${parameters(op.parameters)}
    ${
      op.requestBody
        ? html`<h4>Body</h4>
            ${content(op.requestBody.content)}`
        : ''
    }
    <h4>Responses</h4>
    <table>
      ${Object.entries(op.responses ?? {}).map(
        ([status, r]) =>
          html`<tr>
            <td><code>${status}</code></td>
            <td>${prose(r.description)}${Object.keys(r.headers ?? {}).map((h) => html`<br /><small>header <code>${h}</code></small>`)}</td>
            <td>${content(r.content)}</td>
          </tr>`,
      )}
    </table>
  </section>`;
}

const STYLE = [
  'body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1b1f24}',
  'nav{width:17rem;flex:none;height:100vh;overflow:auto;position:sticky;top:0;padding:1rem;background:#f5f6f8;box-sizing:border-box;font-size:13px}',
  'nav ul{list-style:none;padding-left:.5rem}main{padding:1rem 2rem;max-width:60rem;min-width:0}',
  'table{border-collapse:collapse;width:100%;margin:.25rem 0}td,th{border-top:1px solid #dde;padding:.25rem .5rem;text-align:left;vertical-align:top}td:first-child{white-space:nowrap}',
  'code{font:13px ui-monospace,monospace;word-break:break-word}small{color:#667}.op{border-top:2px solid #ccd;padding:.5rem 0}',
  '.method{font:bold 12px ui-monospace,monospace;padding:.1rem .4rem;border-radius:3px;color:#fff;background:#57606a}',
  '.get{background:#0969da}.post{background:#1a7f37}.put,.patch{background:#9a6700}.delete{background:#cf222e}',
].join('');

// Built whole here, never inside the page template: the hash covers every byte between the
// tags, and a formatter re-indenting the template would otherwise change them.
const STYLE_ELEMENT = raw(`<style>${STYLE}</style>`);

/** Headers for the page: nothing but its own stylesheet may load or run, and no site may frame it. */
export const docsPageHeaders: Record<string, string> = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The whole reference: operations by tag, then every named schema. */
export function docsPage(doc: ApiDocument, documentUrl: string): Fragment {
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]!, tag: item[method]!.tags?.[0] ?? 'other' })),
  );
  const tags: { name: string; description?: string }[] = [
    ...(doc.tags ?? []),
    ...[...new Set(ops.map((o) => o.tag))].filter((t) => !doc.tags?.some((d) => d.name === t)).map((name) => ({ name })),
  ];
  const schemas = Object.entries(doc.components?.schemas ?? {});
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${doc.info.title} ${doc.info.version} — reference</title>
        <link rel="alternate" type="application/json" href="${documentUrl}" />
        ${STYLE_ELEMENT}
      </head>
      <body>
        <nav>
          <strong>${doc.info.title}</strong> <small>${doc.info.version}</small>
          <p><a href="${documentUrl}">OpenAPI document</a></p>
          ${tags.map(
            (t) =>
              html`<div>
                ${t.name}
                <ul>
                  ${ops
                    .filter((o) => o.tag === t.name)
                    .map((o) => html`<li><a href="#${anchor('op', o.op.operationId ?? `${o.method}-${o.path}`)}">${o.method.toUpperCase()} ${o.path}</a></li>`)}
                </ul>
              </div>`,
          )}
          <div>
            schemas
            <ul>
              ${schemas.map(([name]) => html`<li><a href="#${anchor('schema', name)}">${name}</a></li>`)}
            </ul>
          </div>
        </nav>
        <main>
          <h1>${doc.info.title} <small>${doc.info.version}</small></h1>
          <p>${prose(doc.info.description)}</p>
          <p>
            Generated from <a href="${documentUrl}"><code>${documentUrl}</code></a> (OpenAPI 3.1), which code generators and other viewers can read. Send
            <code>Authorization: Bearer &lt;token&gt;</code> unless an operation says <em>no token</em>.
          </p>
          ${tags.map(
            (t) =>
              html`<h2 id="tag-${t.name.replace(/[^A-Za-z0-9_-]/g, '-')}">${t.name}</h2>
                ${t.description ? html`<p>${prose(t.description)}</p>` : ''}
                ${ops.filter((o) => o.tag === t.name).map((o) => operation(o.path, o.method, o.op, doc.security))}`,
          )}
          <h2>Schemas</h2>
          ${schemas.map(
            ([name, s]) =>
              html`<section id="${anchor('schema', name)}">
                <h3>${name}</h3>
                ${s.description ? html`<p>${prose(s.description)}</p>` : ''}${fields(s)}
              </section>`,
          )}
        </main>
      </body>
    </html> `;
}
