import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Hono } from 'hono';
import type { ConsoleEnv } from './console-env.ts';

/**
 * A file of one of this package's npm dependencies, by its path under node_modules (pnpm links
 * each dependency there). A URL relative to this file, not require.resolve: the CLI's bundle
 * rewrites import.meta.url to this source file's URL, and has no require of its own here.
 */
const dependencyFile = (path: string) => new URL(`../../node_modules/${path}`, import.meta.url).pathname;

interface Asset {
  body: Uint8Array;
  /** Compressed once at start: htmx is 51 KB as shipped and 16 KB gzipped, most of a page's weight. */
  gzipped: Uint8Array;
  type: string;
  /** The URL under the console, with the content's hash in it, so it can be cached forever. */
  url: string;
}

/**
 * The console's scripts and styles, served by the API itself (no CDN: the console works in an
 * air-gapped account, and the CSP allows scripts from 'self' only). Read once at start.
 * htmx 2 and its SSE extension come from their npm packages, unmodified.
 */
function load(name: string, file: string, type: string): [string, Asset] {
  const body = readFileSync(file);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return [name, { body, gzipped: gzipSync(body, { level: 9 }), type, url: `/console/assets/${hash}/${name}` }];
}

const assets = new Map<string, Asset>([
  load('htmx.min.js', dependencyFile('htmx.org/dist/htmx.min.js'), 'text/javascript; charset=utf-8'),
  load('sse.js', dependencyFile('htmx-ext-sse/dist/sse.min.js'), 'text/javascript; charset=utf-8'),
  load('console.js', new URL('./static/console.js', import.meta.url).pathname, 'text/javascript; charset=utf-8'),
  load('console.css', new URL('./static/console.css', import.meta.url).pathname, 'text/css; charset=utf-8'),
  load('icon.svg', new URL('./static/icon.svg', import.meta.url).pathname, 'image/svg+xml'),
]);

export type AssetName = 'htmx.min.js' | 'sse.js' | 'console.js' | 'console.css' | 'icon.svg';

/** The versioned URL of one of the console's assets. */
export function assetUrl(name: AssetName): string {
  return assets.get(name)!.url;
}

export function mountAssets(app: Hono<ConsoleEnv>): void {
  app.get('/assets/:hash/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset || asset.url !== `/console/assets/${c.req.param('hash')}/${c.req.param('name')}`) return c.text('Not found', 404);
    const headers = { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', vary: 'accept-encoding' };
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      return c.body(asset.gzipped as Uint8Array<ArrayBuffer>, 200, { ...headers, 'content-encoding': 'gzip' });
    }
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, headers);
  });
}
