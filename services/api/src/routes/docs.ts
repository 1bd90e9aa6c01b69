import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/app-env.ts';
import { docsPage, docsPageHeaders, type ApiDocument } from './docs-page.ts';

/**
 * GET /docs: the API reference, rendered at the first request from the document /openapi.json
 * serves (it does not change while the process runs). Not itself in the document: it is a
 * page for people, not an operation for clients.
 */
export function mountDocs(app: OpenAPIHono<AppEnv>, document: () => object, documentUrl: string): void {
  let page: string | undefined;
  app.get('/docs', async (c) => {
    // The generator's own types are wider than the fields the page reads; ApiDocument names those.
    page ??= (await docsPage(document() as ApiDocument, documentUrl)).toString();
    return c.html(page, 200, docsPageHeaders);
  });
}
