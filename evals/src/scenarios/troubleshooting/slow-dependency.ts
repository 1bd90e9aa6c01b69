import type { Scenario } from '../../scenario.ts';
import { answer, execRequest, http, turn } from '../script-steps.ts';

/** Product pages are slow because the recommendations dependency answers in seconds. */
export const slowDependency: Scenario = {
  name: 'slow-dependency',
  category: 'troubleshooting',
  fault: 'the recommendations service answers at p95 4800 ms, and product pages wait for it',
  question: 'Why are product pages so slow today?',
  connections: [
    {
      name: 'slow-tracing-api',
      description: 'distributed traces: /traces?route=',
      routes: () => ({
        '/traces': (req) => ({
          json: {
            route: req.query.get('route'),
            spans: [
              { service: 'catalog', op: 'GET /products/:id', p95Ms: 5100 },
              { service: 'recommendations', op: 'GET /recs', p95Ms: 4800 },
              { service: 'pricing', op: 'GET /price', p95Ms: 35 },
            ],
          },
        }),
      }),
    },
  ],
  roles: [{ name: 'slow-developer', connections: ['slow-tracing-api'] }],
  runAs: 'slow-developer',
  facts: [
    { name: 'the slow dependency', pattern: /recommendation/i },
    { name: 'its latency', pattern: /4800|4\.8\s?s/ },
  ],
  scope: { unreachable: [], denials: [] },
  script: [
    // Reached from code in the sandbox through the egress socket, as a model that writes scripts would.
    turn('Pulling traces for the product route from inside my sandbox.', execRequest('slow-tracing-api', '/traces?route=%2Fproducts%2F%3Aid')),
    turn('Confirming with the http tool.', http('slow-tracing-api', '/traces?route=/products/:id')),
    answer(
      'Product pages are slow because they wait on the recommendations service: GET /recs has p95 4800 ms of the page’s 5100 ms; pricing is 35 ms.',
      'Render recommendations asynchronously or with a 300 ms timeout, and look at the recommendations service itself.',
    ),
  ],
};
