import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** The email provider rate-limits us after a marketing batch used the transactional key. */
export const rateLimitedProvider: Scenario = {
  name: 'rate-limited-provider',
  category: 'troubleshooting',
  fault: 'the email provider answers 429 (quota 1000/min) since a marketing batch shares the transactional API key',
  question: 'Password reset emails are not arriving. What is going on?',
  connections: [
    {
      name: 'ratelimit-mailer-api',
      description: 'mailer service: /logs, /stats',
      routes: () => ({
        '/logs': () => ({
          json: { lines: [{ level: 'warn', msg: 'send failed: 429 Too Many Requests from mailprov (retry-after: 60); 1 of 3 retries' }] },
        }),
        '/stats': () => ({ json: { provider: 'mailprov', quotaPerMinute: 1000, sentLastMinute: 1000, queued: 18_450, topSender: 'marketing-weekly-batch' } }),
      }),
    },
    {
      name: 'ratelimit-mailer-admin',
      description: 'mailer admin: pause senders',
      routes: () => ({ 'POST /senders/pause': () => ({ status: 202, json: {} }) }),
    },
  ],
  roles: [
    { name: 'ratelimit-developer', connections: ['ratelimit-mailer-api'] },
    { name: 'ratelimit-ops', connections: ['ratelimit-mailer-api', 'ratelimit-mailer-admin'] },
  ],
  runAs: 'ratelimit-developer',
  facts: [
    { name: 'rate limited', pattern: /429|rate.?limit/i },
    { name: 'the quota', pattern: /1,?000\s*(\/|per)\s*min/i },
    { name: 'the batch that used it', pattern: /marketing/i },
  ],
  scope: { unreachable: ['ratelimit-mailer-admin'], denials: [{ kind: 'tool', tool: 'http', connection: 'ratelimit-mailer-admin' }] },
  script: [
    turn('Reading mailer logs and stats.', http('ratelimit-mailer-api', '/logs'), http('ratelimit-mailer-api', '/stats')),
    turn('Pausing the marketing batch would free the quota.', http('ratelimit-mailer-admin', '/senders/pause', 'POST', '{"sender":"marketing-weekly-batch"}')),
    answer(
      'mailprov is rate limiting us: sends fail with 429 Too Many Requests (retry-after 60).',
      'The quota is 1000/min and all of it goes to marketing-weekly-batch, which shares the transactional key; 18450 emails are queued behind it.',
      'Give marketing its own key, or have ratelimit-ops pause the batch (outside my role).',
    ),
  ],
};
