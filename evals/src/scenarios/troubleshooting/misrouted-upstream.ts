import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** A stale DNS record sends inventory calls to a decommissioned host. */
export const misroutedUpstream: Scenario = {
  name: 'misrouted-upstream',
  category: 'troubleshooting',
  fault: 'inventory.internal still resolves to 10.0.3.7, a host decommissioned yesterday',
  question: 'Why does the storefront say every item is out of stock?',
  connections: [
    {
      name: 'dns-storefront-api',
      description: 'storefront: /logs, /debug/resolve?host=',
      routes: () => ({
        '/logs': () => ({ json: { lines: [{ level: 'error', msg: 'inventory lookup failed: connect EHOSTUNREACH 10.0.3.7:8080; treating stock as 0' }] } }),
        '/debug/resolve': (req) => ({
          json: { host: req.query.get('host'), addresses: ['10.0.3.7'], ttlSeconds: 86400, source: 'inventory.internal A record' },
        }),
      }),
    },
    {
      name: 'dns-inventory-api',
      description: 'inventory service registry',
      routes: () => ({
        '/instances': () => ({
          json: { instances: [{ address: '10.0.5.21', since: '2026-11-29' }], decommissioned: [{ address: '10.0.3.7', at: '2026-11-29' }] },
        }),
      }),
    },
  ],
  roles: [{ name: 'dns-developer', connections: ['dns-storefront-api', 'dns-inventory-api'] }],
  runAs: 'dns-developer',
  facts: [
    { name: 'the stale address', pattern: /10\.0\.3\.7/ },
    { name: 'a DNS problem', pattern: /dns|resolv|A record/i },
    { name: 'the current instance', pattern: /10\.0\.5\.21/ },
  ],
  scope: { unreachable: [], denials: [] },
  script: [
    turn('Reading storefront logs.', http('dns-storefront-api', '/logs')),
    turn(
      'EHOSTUNREACH to 10.0.3.7. Where does inventory resolve, and where does it run?',
      http('dns-storefront-api', '/debug/resolve?host=inventory.internal'),
      http('dns-inventory-api', '/instances'),
    ),
    answer(
      'Inventory lookups fail with EHOSTUNREACH, so the storefront treats stock as 0.',
      'inventory.internal still resolves (A record, TTL 86400) to 10.0.3.7, decommissioned on 2026-11-29; inventory now runs at 10.0.5.21.',
      'Update the DNS record and lower its TTL.',
    ),
  ],
};
