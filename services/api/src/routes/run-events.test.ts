import { defaultHttpLimits } from '@remit/core';
import { describe, expect, it } from 'vitest';
import { errorOf, withTestApp, type TestApp } from '../testing/test-app.ts';

/** A role for the developers group, and one queued run per user: with no worker, it stays queued and its stream stays open. */
async function queuedRuns(t: TestApp, emails: string[]): Promise<{ token: string; runId: string }[]> {
  const admin = await t.adminToken();
  await t.request('/v1/admin/roles', { method: 'POST', token: admin, json: { name: 'developer', runKinds: ['troubleshoot'] } });
  await t.request('/v1/admin/bindings', { method: 'POST', token: admin, json: { role: 'developer', subject: { kind: 'group', group: 'developers' } } });
  return Promise.all(
    emails.map(async (email) => {
      const token = await t.tokenFor({ email, groups: ['developers'] });
      const res = await t.request('/v1/runs', { method: 'POST', token, json: { kind: 'troubleshoot', input: 'why?' } });
      expect(res.status).toBe(202);
      return { token, runId: ((await res.json()) as { id: string }).id };
    }),
  );
}

const stream = (t: TestApp, u: { token: string; runId: string }) => t.request(`/v1/runs/${u.runId}/events`, { token: u.token });

/** Ends every stream the server still serves: a cancelled run is finished, so its stream closes after the last event. */
async function endAll(t: TestApp, users: { token: string; runId: string }[], open: Response[]): Promise<void> {
  for (const u of users) await t.request(`/v1/runs/${u.runId}/cancel`, { method: 'POST', token: u.token });
  await Promise.all(open.map((r) => r.text()));
}

/** Retries opening a stream until the server has released a slot (or 5 s pass). */
async function openWhenFree(t: TestApp, u: { token: string; runId: string }): Promise<Response> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const res = await stream(t, u);
    if (res.status !== 429 || Date.now() > deadline) return res;
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('transcript streams are capped per user and in total', () => {
  it(`one user gets ${defaultHttpLimits.streamsPerUser} streams, the next is 429 too_many_streams with Retry-After; others still get theirs; closing one frees a slot`, async () => {
    await withTestApp(async (t) => {
      const [alice, bob] = await queuedRuns(t, ['alice@example.com', 'bob@example.com']);
      const open: Response[] = [];
      for (let i = 0; i < defaultHttpLimits.streamsPerUser; i++) {
        const res = await stream(t, alice!);
        expect(res.status, `stream ${i + 1}`).toBe(200);
        open.push(res);
      }
      const refused = await stream(t, alice!);
      expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(await errorOf(refused)).toMatchObject({ status: 429, code: 'too_many_streams' });

      // Another user is not held back by alice's streams.
      const bobs = await stream(t, bob!);
      expect(bobs.status).toBe(200);
      open.push(bobs);

      // The client going away (no clean end from the server) gives the slot back.
      await open.shift()!.body!.cancel();
      const again = await openWhenFree(t, alice!);
      expect(again.status).toBe(200);
      open.push(again);
      expect(await errorOf(await stream(t, alice!))).toMatchObject({ status: 429, code: 'too_many_streams' });

      await endAll(t, [alice!, bob!], open);
      // A stream that ended on its own gave its slot back too.
      const after = await stream(t, alice!);
      expect(after.status).toBe(200);
      await after.text();
    });
  });

  it('past the total across users, every user is refused until a stream ends', async () => {
    await withTestApp(
      async (t) => {
        const [alice, bob, carol] = await queuedRuns(t, ['alice@example.com', 'bob@example.com', 'carol@example.com']);
        const open = [await stream(t, alice!), await stream(t, alice!), await stream(t, bob!)];
        expect(open.map((r) => r.status)).toEqual([200, 200, 200]);
        expect(await errorOf(await stream(t, carol!))).toMatchObject({ status: 429, code: 'too_many_streams' });
        await open.shift()!.body!.cancel();
        const carols = await openWhenFree(t, carol!);
        expect(carols.status).toBe(200);
        await endAll(t, [alice!, bob!, carol!], [...open, carols]);
      },
      { httpLimits: { streamsPerUser: 2, streamsTotal: 3 } },
    );
  });

  it('a refused or unknown run takes no slot', async () => {
    await withTestApp(
      async (t) => {
        const [alice, bob] = await queuedRuns(t, ['alice@example.com', 'bob@example.com']);
        // Bob asking for alice's run is a 404, however often: it never holds a slot.
        for (let i = 0; i < 3; i++) expect((await stream(t, { token: bob!.token, runId: alice!.runId })).status).toBe(404);
        const bobs = await stream(t, bob!);
        expect(bobs.status).toBe(200);
        await endAll(t, [bob!], [bobs]);
      },
      { httpLimits: { streamsPerUser: 1 } },
    );
  });
});
