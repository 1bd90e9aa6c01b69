import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** A config change raised the price cache TTL to a day; customers see yesterday's prices. */
export const staleCache: Scenario = {
  name: 'stale-cache',
  category: 'troubleshooting',
  fault: 'the price cache TTL was raised from 300 s to 86400 s, so prices changed this morning are not shown',
  question: 'We changed prices this morning but the site still shows the old ones. Why?',
  connections: [
    {
      name: 'cache-pricing-api',
      description: 'pricing service: /prices/:sku (origin), /cache/stats, /config',
      routes: () => ({
        '/prices/SKU-1001': () => ({ json: { sku: 'SKU-1001', price: 24.9, updatedAt: '2026-11-30T06:00:00Z' } }),
        '/cache/stats': () => ({
          json: { hitRate: 0.998, entries: 48_211, oldestEntryAgeSeconds: 72_000, sample: { 'SKU-1001': { price: 29.9, ageSeconds: 71_400 } } },
        }),
        '/config': () => ({ json: { PRICE_CACHE_TTL_SECONDS: 86400, changedAt: '2026-11-29T10:05:00Z', previous: 300 } }),
      }),
    },
  ],
  roles: [{ name: 'cache-developer', connections: ['cache-pricing-api'] }],
  runAs: 'cache-developer',
  facts: [
    { name: 'a stale cache', pattern: /stale|cache/i },
    { name: 'the TTL', pattern: /86400|24\s?h/ },
    { name: 'old versus new price', pattern: /29\.9.*24\.9|24\.9.*29\.9/s },
  ],
  scope: { unreachable: [], denials: [] },
  script: [
    turn(
      'Comparing origin and cache for one SKU, and the cache config.',
      http('cache-pricing-api', '/prices/SKU-1001'),
      http('cache-pricing-api', '/cache/stats'),
      http('cache-pricing-api', '/config'),
    ),
    answer(
      'The price cache is stale: PRICE_CACHE_TTL_SECONDS was raised from 300 to 86400 (24 h) on 2026-11-29.',
      'SKU-1001 costs 24.9 at the origin but the cache serves 29.9, cached 71400 s ago; hit rate 99.8%.',
      'Restore the TTL and purge the price cache (or invalidate on price change).',
    ),
  ],
};
