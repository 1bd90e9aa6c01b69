import { claimPullRequestReview, recordWebhookDelivery, settleWebhookDelivery, updatePullRequestReview } from '@remit/db';
import { describe, expect, it } from 'vitest';
import { consoleSignIn } from '../../testing/console-browser.ts';
import { withTestApp, type TestApp } from '../../testing/test-app.ts';
import { httpUrl } from './reviews.tsx';

const admin = { email: 'root@example.com', groups: ['remit-admins'] };
const developer = { email: 'dev@example.com', groups: ['developers'] };
const SHA = 'a'.repeat(7) + 'b'.repeat(33);

/** A run to hang reviews and deliveries on (queued by alice, as any run). */
async function aRun(t: TestApp): Promise<string> {
  const token = await t.adminToken();
  await t.request('/v1/admin/roles', { method: 'POST', token, json: { name: 'developer', runKinds: ['troubleshoot'] } });
  await t.request('/v1/admin/bindings', { method: 'POST', token, json: { role: 'developer', subject: { kind: 'group', group: 'developers' } } });
  const alice = await t.tokenFor({ email: 'alice@example.com', groups: ['developers'] });
  const res = await t.request('/v1/runs', { method: 'POST', token: alice, json: { kind: 'troubleshoot', input: 'review this' } });
  return ((await res.json()) as { id: string }).id;
}

/** Deliveries recorded and settled as the GitHub inbox does, and two reviews: one posted, one whose URL is hostile. */
async function seed(t: TestApp, runId: string, otherRunId: string): Promise<void> {
  await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
    await recordWebhookDelivery(sql, { deliveryId: 'd-queued', event: 'pull_request', action: 'opened', body: '{}' });
    await settleWebhookDelivery(sql, 'd-queued', {
      outcome: 'queued',
      reason: null,
      repository: 'acme/shop',
      pullNumber: 42,
      headSha: SHA,
      authorLogin: 'alice-gh',
      runId,
    });
    await recordWebhookDelivery(sql, { deliveryId: 'd-skipped', event: 'pull_request', action: 'synchronize', body: '{}' });
    await settleWebhookDelivery(sql, 'd-skipped', {
      outcome: 'skipped',
      reason: 'author_not_linked',
      repository: 'acme/shop',
      pullNumber: 43,
      authorLogin: 'mallory',
    });
    await recordWebhookDelivery(sql, { deliveryId: 'd-ping', event: 'ping', action: null, body: '{}' });
    const claim = { repositoryId: 1, repository: 'acme/shop', installationId: 9 };
    await claimPullRequestReview(sql, { ...claim, pullNumber: 42, headSha: SHA, runId });
    await updatePullRequestReview(sql, runId, { status: 'posted', reviewId: 77, reviewUrl: 'https://github.com/acme/shop/pull/42#pullrequestreview-77' });
    await claimPullRequestReview(sql, { ...claim, pullNumber: 44, headSha: 'c'.repeat(40), runId: otherRunId });
    await updatePullRequestReview(sql, otherRunId, { status: 'failed', detail: 'model <refused>', reviewUrl: 'javascript:alert(document.cookie)' });
  });
}

describe('console: reviews', () => {
  it('lists deliveries with their outcome and reason, and reviews with a link to the posted review', async () => {
    await withTestApp(async (t) => {
      const runId = await aRun(t);
      const other = await aRun(t);
      await seed(t, runId, other);
      const browser = await consoleSignIn(t, admin);
      const res = await browser.get('/console/reviews');
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<code>pull_request.opened</code>');
      expect(html).toContain('<span class="badge ok">queued</span>');
      expect(html).toContain('<span class="badge skipped">skipped</span>');
      expect(html).toContain('<td>author not linked</td>');
      expect(html).toContain('<td>acme/shop#42</td>');
      expect(html).toContain('<code>aaaaaaa</code>');
      expect(html).not.toContain(SHA);
      expect(html).toContain('<code>ping</code>');
      expect(html).toContain(`href="/console/runs/${runId}"`);
      expect(html).toContain('href="https://github.com/acme/shop/pull/42#pullrequestreview-77"');
      expect(html).toContain('<span class="badge posted">posted</span>');
      // The hostile URL is shown as nothing clickable; the detail as text.
      expect(html).not.toContain('javascript:');
      expect(html).toContain('not an http(s) link');
      expect(html).toContain('model &lt;refused&gt;');
      expect(html).not.toMatch(/\sstyle=/);
    });
  });

  it('pages deliveries with the API’s cursor', async () => {
    await withTestApp(async (t) => {
      await t.db.tenant({ orgId: t.orgId, userId: null }, async (sql) => {
        for (let i = 0; i < 55; i++) {
          await recordWebhookDelivery(sql, { deliveryId: `d-${String(i).padStart(2, '0')}`, event: 'pull_request', action: `a${i}`, body: '{}' });
        }
      });
      const browser = await consoleSignIn(t, admin);
      const first = await (await browser.get('/console/reviews')).text();
      expect(first.match(/<code>pull_request\.a\d+<\/code>/g)).toHaveLength(40);
      const next = /href="(\/console\/reviews\?cursor=[A-Za-z0-9_-]+)">Older deliveries/.exec(first)?.[1];
      expect(next).toBeDefined();
      const second = await (await browser.get(next!)).text();
      expect(second.match(/<code>pull_request\.a\d+<\/code>/g)).toHaveLength(15);
      expect(second).toContain('Newest deliveries');
    });
  });

  it('refuses a non-admin, with no delivery in the page', async () => {
    await withTestApp(async (t) => {
      await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) =>
        recordWebhookDelivery(sql, { deliveryId: 'd-1', event: 'secret_event', action: null, body: '{}' }),
      );
      const dev = await consoleSignIn(t, developer);
      const res = await dev.get('/console/reviews');
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('secret_event');
    });
  });
});

describe('links from review data', () => {
  it('are http(s) only', () => {
    expect(httpUrl('https://github.com/a/b/pull/1')).toBe('https://github.com/a/b/pull/1');
    expect(httpUrl('http://ghe.example/a/b/pull/1')).toBe('http://ghe.example/a/b/pull/1');
    for (const bad of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>',
      'vbscript:x',
      '//evil.example',
      '/relative',
      'not a url',
      '',
      null,
    ]) {
      expect(httpUrl(bad), String(bad)).toBeUndefined();
    }
  });
});
