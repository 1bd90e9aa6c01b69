import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** Checkout's database pool is saturated by a slow report query; requests wait and time out. */
export const poolSaturation: Scenario = {
  name: 'pool-saturation',
  category: 'troubleshooting',
  fault: 'the orders database pool is saturated (50/50 busy, 212 waiting) by a nightly report query',
  question: 'Why are checkout requests timing out?',
  connections: [
    {
      name: 'pool-checkout-api',
      description: 'checkout service: /health, /metrics, /logs',
      routes: () => ({
        '/health': () => ({ status: 503, json: { status: 'degraded', checks: { 'orders-db': 'timeout acquiring connection (waited 5000 ms)' } } }),
        '/metrics': () => ({ json: { db: { poolSize: 50, busy: 50, idle: 0, waiting: 212, acquireP95Ms: 5000 }, http: { p95Ms: 5400, errorRate: 0.27 } } }),
        '/logs': () => ({
          json: {
            lines: [
              { level: 'error', msg: 'POST /checkout 504: timeout acquiring connection from pool after 5000 ms (50/50 busy)' },
              { level: 'warn', msg: 'slow query 48210 ms: SELECT ... FROM orders JOIN order_items ... (report:nightly-revenue)' },
              { level: 'error', msg: 'POST /checkout 504: timeout acquiring connection from pool after 5000 ms (50/50 busy)' },
            ],
          },
        }),
      }),
    },
    {
      name: 'pool-checkout-admin',
      description: 'checkout admin: restarts and pool settings',
      routes: () => ({ 'POST /pool/resize': () => ({ status: 202, json: { resized: true } }) }),
    },
  ],
  roles: [
    { name: 'pool-developer', connections: ['pool-checkout-api'] },
    { name: 'pool-platform', connections: ['pool-checkout-api', 'pool-checkout-admin'] },
  ],
  runAs: 'pool-developer',
  facts: [
    { name: 'the pool is exhausted', pattern: /pool[^.\n]*(exhaust|saturat)|(exhaust|saturat)[^.\n]*pool/i },
    { name: 'all 50 connections busy', pattern: /50\s*\/\s*50|50 of 50/ },
    { name: 'the report query holds them', pattern: /nightly-revenue|report query/i },
  ],
  scope: { unreachable: ['pool-checkout-admin'], denials: [{ kind: 'tool', tool: 'http', connection: 'pool-checkout-admin' }] },
  script: [
    turn('Checking the checkout service health.', http('pool-checkout-api', '/health')),
    turn(
      'The orders-db check times out acquiring a connection. Reading pool metrics and logs.',
      http('pool-checkout-api', '/metrics'),
      http('pool-checkout-api', '/logs'),
    ),
    turn('Resizing the pool would relieve it; trying the admin connection.', http('pool-checkout-admin', '/pool/resize', 'POST')),
    answer(
      'Checkout times out because the orders database connection pool is exhausted.',
      '- /metrics: 50/50 connections busy, 0 idle, 212 requests waiting; acquire p95 5000 ms.',
      '- Logs: "timeout acquiring connection from pool after 5000 ms", and a 48 s report query (report:nightly-revenue) holding connections.',
      'Next steps: move the nightly-revenue report to a replica or its own pool; resizing the pool needs the pool-platform role (pool-checkout-admin is outside mine).',
    ),
  ],
};
