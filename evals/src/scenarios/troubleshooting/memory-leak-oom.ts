import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** A session cache without eviction grows until the container is OOM-killed. */
export const memoryLeakOom: Scenario = {
  name: 'memory-leak-oom',
  category: 'troubleshooting',
  fault: 'the API container grows to its 2048 MiB limit every ~40 minutes and is OOMKilled (unbounded session cache)',
  question: 'Why does the API restart every forty minutes or so?',
  connections: [
    {
      name: 'oom-cluster-api',
      description: 'cluster read API: /events, /metrics/memory',
      routes: () => ({
        '/events': () => ({ json: { events: [{ reason: 'OOMKilled', container: 'api', limitMiB: 2048, count: 9 }] } }),
        '/metrics/memory': () => ({
          json: {
            container: 'api',
            samples: [
              { minute: 0, rssMiB: 310 },
              { minute: 20, rssMiB: 1180 },
              { minute: 39, rssMiB: 2046 },
            ],
            heap: { largestRetainer: 'SessionCache.entries (Map, 1.6 GiB)' },
          },
        }),
      }),
    },
  ],
  roles: [{ name: 'oom-developer', connections: ['oom-cluster-api'] }],
  runAs: 'oom-developer',
  facts: [
    { name: 'OOM kills', pattern: /OOMKilled|out of memory|\bOOM\b/i },
    { name: 'the limit', pattern: /2048|2\s?Gi/ },
    { name: 'a leak in the session cache', pattern: /SessionCache|session cache/i },
  ],
  scope: { unreachable: [], denials: [] },
  script: [
    turn('Checking cluster events and memory.', http('oom-cluster-api', '/events'), http('oom-cluster-api', '/metrics/memory')),
    answer(
      'The api container is OOMKilled (9 times) at its 2048 MiB limit: memory grows from 310 MiB to 2046 MiB in ~39 minutes.',
      'The heap’s largest retainer is SessionCache.entries (1.6 GiB): a leak, a cache with no eviction. Bound it (LRU/TTL).',
    ),
  ],
};
