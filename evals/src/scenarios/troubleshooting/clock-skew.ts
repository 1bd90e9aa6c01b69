import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** One auth node's clock runs 317 s ahead; tokens it issues are "not yet valid" elsewhere. */
export const clockSkew: Scenario = {
  name: 'clock-skew',
  category: 'troubleshooting',
  fault: 'auth-2 is 317 s ahead (NTP unsynchronised), so its tokens fail "iat in the future" checks',
  question: 'About a third of logins fail with "invalid token" right after signing in. Why?',
  connections: [
    {
      name: 'skew-auth-api',
      description: 'auth service: /logs, /nodes',
      routes: () => ({
        '/logs': () => ({
          json: {
            lines: [
              { level: 'warn', msg: 'token rejected: iat is 317 s in the future (issuer node auth-2)' },
              { level: 'info', msg: 'token accepted (issuer node auth-1)' },
            ],
          },
        }),
        '/nodes': () => ({
          json: {
            nodes: [
              { name: 'auth-1', clockOffsetSeconds: 0.02, ntp: 'synchronised' },
              { name: 'auth-2', clockOffsetSeconds: 317.4, ntp: 'unsynchronised (chronyd stopped)' },
              { name: 'auth-3', clockOffsetSeconds: -0.01, ntp: 'synchronised' },
            ],
          },
        }),
      }),
    },
  ],
  roles: [{ name: 'skew-developer', connections: ['skew-auth-api'] }],
  runAs: 'skew-developer',
  facts: [
    { name: 'clock skew', pattern: /clock|skew|drift/i },
    { name: 'how far', pattern: /\b317\b/ },
    { name: 'time sync', pattern: /ntp|chrony/i },
  ],
  scope: { unreachable: [], denials: [] },
  script: [
    turn('Reading auth logs and node status.', http('skew-auth-api', '/logs'), http('skew-auth-api', '/nodes')),
    answer(
      'auth-2’s clock is 317 s ahead (clock skew): chronyd is stopped, NTP unsynchronised.',
      'Tokens it issues carry an iat 317 s in the future and are rejected; it is one of three nodes, hence about a third of logins.',
      'Restart chronyd on auth-2 (or take it out of rotation) and allow a small leeway on iat.',
    ),
  ],
};
