import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** A schema migration waits on an ACCESS EXCLUSIVE lock, and every query on the table queues behind it. */
export const migrationLock: Scenario = {
  name: 'migration-lock',
  category: 'troubleshooting',
  fault: 'migration 0042 (ALTER TABLE orders ADD COLUMN) holds the lock queue on orders for 14 minutes',
  question: 'Every page that touches orders hangs. Why?',
  connections: [
    {
      name: 'lock-db-insights',
      description: 'database insights (read only): /locks, /activity',
      routes: () => ({
        '/locks': () => ({
          json: {
            waiting: [
              {
                pid: 4242,
                mode: 'AccessExclusiveLock',
                relation: 'orders',
                query: "ALTER TABLE orders ADD COLUMN gift_note text NOT NULL DEFAULT ''",
                waitingSeconds: 840,
              },
            ],
            blockedBehind4242: 311,
          },
        }),
        '/activity': () => ({
          json: { longest: [{ pid: 3977, state: 'idle in transaction', since: '2026-11-30T05:10:00Z', query: 'SELECT * FROM orders WHERE ...' }] },
        }),
      }),
    },
  ],
  roles: [{ name: 'lock-developer', connections: ['lock-db-insights'] }],
  runAs: 'lock-developer',
  facts: [
    { name: 'a lock', pattern: /lock/i },
    { name: 'the migration statement', pattern: /ALTER TABLE orders/i },
    { name: 'the blocking session', pattern: /\b(4242|3977)\b/ },
  ],
  scope: { unreachable: [], denials: [] },
  script: [
    turn('Looking at locks and activity.', http('lock-db-insights', '/locks'), http('lock-db-insights', '/activity')),
    answer(
      'Queries on orders hang behind a migration: pid 4242 runs ALTER TABLE orders ADD COLUMN gift_note … and waits for an AccessExclusiveLock (840 s).',
      'It waits on pid 3977, idle in transaction since 05:10; 311 queries are queued behind the migration’s lock request.',
      'Terminate pid 3977 (or cancel the migration), and run migrations with a lock_timeout.',
    ),
  ],
};
