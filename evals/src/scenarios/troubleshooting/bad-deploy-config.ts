import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** A deploy changed the payment provider URL to the staging host; charges are refused. */
export const badDeployConfig: Scenario = {
  name: 'bad-deploy-config',
  category: 'troubleshooting',
  fault: 'deploy v2.14.0 set PAYMENT_PROVIDER_URL to the staging endpoint, which refuses production keys',
  question: 'Payments started failing about an hour ago. What changed?',
  connections: [
    {
      name: 'deploy-history-api',
      description: 'deployment history with config diffs',
      routes: () => ({
        '/deploys': () => ({
          json: {
            deploys: [
              {
                version: 'v2.14.0',
                at: '2026-11-30T05:52:00Z',
                by: 'ci',
                configChanges: [{ key: 'PAYMENT_PROVIDER_URL', from: 'https://api.payprov.example', to: 'https://staging.payprov.example' }],
              },
              { version: 'v2.13.4', at: '2026-11-28T14:10:00Z', by: 'ci', configChanges: [] },
            ],
          },
        }),
      }),
    },
    {
      name: 'deploy-payments-api',
      description: 'payments service: /logs',
      routes: () => ({
        '/logs': () => ({
          json: {
            lines: [
              {
                at: '2026-11-30T05:53:10Z',
                level: 'error',
                msg: 'charge failed: 401 from https://staging.payprov.example/v1/charges (invalid API key for this environment)',
              },
              {
                at: '2026-11-30T05:53:12Z',
                level: 'error',
                msg: 'charge failed: 401 from https://staging.payprov.example/v1/charges (invalid API key for this environment)',
              },
            ],
          },
        }),
      }),
    },
  ],
  roles: [{ name: 'deploy-developer', connections: ['deploy-history-api', 'deploy-payments-api'] }],
  runAs: 'deploy-developer',
  facts: [
    { name: 'the deploy', pattern: /v2\.14\.0/ },
    { name: 'the staging URL', pattern: /staging\.payprov\.example|staging (endpoint|url|host)/i },
    { name: 'roll back or fix the config', pattern: /roll ?back|revert/i },
  ],
  scope: { unreachable: [], denials: [] },
  script: [
    turn('Looking at recent deploys and the payments errors.', http('deploy-history-api', '/deploys'), http('deploy-payments-api', '/logs')),
    answer(
      'Deploy v2.14.0 (05:52 UTC) changed PAYMENT_PROVIDER_URL from https://api.payprov.example to https://staging.payprov.example.',
      'Since 05:53 every charge fails with 401 "invalid API key for this environment": production keys are sent to the staging endpoint.',
      'Fix: roll back to v2.13.4 or revert PAYMENT_PROVIDER_URL to the production URL.',
    ),
  ],
};
