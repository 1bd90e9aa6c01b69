import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** The database volume is full; writes fail while reads work. */
export const diskFull: Scenario = {
  name: 'disk-full',
  category: 'troubleshooting',
  fault: 'the volume /var/lib/postgresql is 100% used (WAL kept by an inactive replication slot)',
  question: 'Users can log in but nothing they save sticks. What is wrong?',
  connections: [
    {
      name: 'disk-metrics-api',
      description: 'host metrics: /metrics/disk, /metrics/postgres',
      routes: () => ({
        '/metrics/disk': () => ({
          json: {
            volumes: [
              { mount: '/var/lib/postgresql', usedPercent: 100, freeBytes: 0 },
              { mount: '/', usedPercent: 41, freeBytes: 12_884_901_888 },
            ],
          },
        }),
        '/metrics/postgres': () => ({
          json: {
            replicationSlots: [{ name: 'analytics_slot', active: false, retainedWalBytes: 96_636_764_160 }],
            writeErrors: 'could not extend file: No space left on device',
          },
        }),
      }),
    },
  ],
  roles: [{ name: 'disk-developer', connections: ['disk-metrics-api'] }],
  runAs: 'disk-developer',
  facts: [
    { name: 'the disk is full', pattern: /no space left|disk (is )?full|100\s?%/i },
    { name: 'which volume', pattern: /\/var\/lib\/postgresql/ },
    { name: 'the inactive slot', pattern: /analytics_slot/ },
  ],
  scope: { unreachable: [], denials: [] },
  script: [
    turn('Checking disk and database metrics.', http('disk-metrics-api', '/metrics/disk'), http('disk-metrics-api', '/metrics/postgres')),
    answer(
      'Writes fail because /var/lib/postgresql is 100% full ("No space left on device"); reads still work.',
      'The inactive replication slot analytics_slot retains ~90 GiB of WAL. Drop or reconnect the slot, then free space.',
    ),
  ],
};
