import { describe, expect, it } from 'vitest';
import { ApiRequestError, createApiClient } from './api-client.ts';

/** A fake server as a fetch function: records each URL, answers from `answer`. */
function client(answer: (url: URL) => Response) {
  const seen: string[] = [];
  const api = createApiClient({
    url: 'http://remit.test/',
    token: 't0ken',
    fetch: async (url, init) => {
      seen.push(`${init.method} ${url} ${new Headers(init.headers).get('authorization')}`);
      return answer(new URL(url));
    },
  });
  return { api, seen };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the API client', () => {
  it('follows nextCursor page after page, with the filters on every page, and stops at max', async () => {
    const pages: Record<string, { items: number[]; nextCursor: string | null }> = {
      '': { items: [1, 2], nextCursor: 'c2' },
      c2: { items: [3, 4], nextCursor: 'c4' },
      c4: { items: [5], nextCursor: null },
    };
    const { api, seen } = client((url) => json(pages[url.searchParams.get('cursor') ?? '']));
    expect(await api.list('/v1/runs', { status: 'failed', kind: undefined })).toEqual([1, 2, 3, 4, 5]);
    expect(seen).toEqual([
      'GET http://remit.test/v1/runs?status=failed Bearer t0ken',
      'GET http://remit.test/v1/runs?status=failed&cursor=c2 Bearer t0ken',
      'GET http://remit.test/v1/runs?status=failed&cursor=c4 Bearer t0ken',
    ]);
    const capped = client((url) => json(pages[url.searchParams.get('cursor') ?? '']));
    expect(await capped.api.list('/v1/runs', {}, 3)).toEqual([1, 2, 3]);
    expect(capped.seen).toHaveLength(2);
  });

  it('takes a list that does not page as one page', async () => {
    const { api } = client(() => json({ items: ['a'] }));
    expect(await api.list('/v1/admin/roles')).toEqual(['a']);
  });

  it('turns an error answer into its status, code and message, and anything else into the status', async () => {
    const refused = client(() => json({ error: { code: 'forbidden', message: 'This needs admin rights.' } }, 403));
    await expect(refused.api.get('/v1/admin/roles')).rejects.toMatchObject({
      status: 403,
      apiCode: 'forbidden',
      message: 'This needs admin rights. (forbidden)',
    });
    const proxy = client(() => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    const err = (await proxy.api.get('/v1/me').catch((e: unknown) => e)) as ApiRequestError;
    expect(err).toBeInstanceOf(ApiRequestError);
    expect(err.message).toBe('HTTP 502 Bad Gateway');
  });

  it('encodes names in paths', async () => {
    const { api, seen } = client(() => new Response(null, { status: 204 }));
    const { segment } = await import('./api-client.ts');
    await api.delete(`/v1/admin/roles/${segment('../audit')}`);
    expect(seen[0]).toBe('DELETE http://remit.test/v1/admin/roles/..%2Faudit Bearer t0ken');
  });
});
