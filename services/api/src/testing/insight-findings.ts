import { insertFindings, type NewFinding } from '@remit/db';
import type { TestApp } from './test-app.ts';

const finding: NewFinding = {
  title: 'Card processor timeouts at p95',
  severity: 'high',
  summary: '9 of the last 12 checkout errors are card-processor timeouts.',
  evidence: [{ toolCallId: 'call-1', tool: 'http', callSeq: 4, resultSeq: 5, quote: 'card-processor timed out after 3000 ms' }],
  suggestedChange: 'Raise the card-processor pool from 20 to 40.',
};

/**
 * An insight job (role platform-engineer, created through the admin API), one run of it queued
 * with run-now, and findings stored for that run as the insight kind stores them: one per
 * entry of `severities`, oldest first. No worker runs here.
 */
export async function seedFindings(
  t: TestApp,
  severities: NewFinding['severity'][] = ['high'],
): Promise<{ jobId: string; runId: string; findingIds: string[] }> {
  const token = await t.adminToken();
  const post = async (path: string, json?: unknown) => {
    const res = await t.request(path, { method: 'POST', token, ...(json === undefined ? {} : { json }) });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  await post('/v1/admin/roles', { name: 'platform-engineer', runKinds: ['insight'] });
  const job = await post('/v1/admin/insight-jobs', { name: 'nightly-reliability', role: 'platform-engineer', schedule: '0 2 * * *', focus: 'reliability' });
  const run = await post('/v1/admin/insight-jobs/nightly-reliability/run');
  const findingIds: string[] = [];
  for (const [i, severity] of severities.entries()) {
    const ids = await t.db.tenant({ orgId: t.orgId, userId: null }, (sql) =>
      insertFindings(sql, { runId: run.id, jobId: job.id }, [{ ...finding, severity, title: `${finding.title} (${i + 1})` }]),
    );
    findingIds.push(...ids);
  }
  return { jobId: job.id, runId: run.id, findingIds };
}
