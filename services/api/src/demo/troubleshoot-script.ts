import type { ScriptedTurn } from '@remit/models';

// Counts card-processor timeouts from inside the sandbox, through the egress socket: the code
// reaches the connection by name, and any credentials are added outside the sandbox.
const countTimeouts = `
const http = require('node:http');
http.get({ socketPath: '/run/remit/egress.sock', host: 'payments-api', path: '/logs?level=error&limit=200' }, (res) => {
  let body = '';
  res.on('data', (c) => (body += c));
  res.on('end', () => {
    const lines = JSON.parse(body).lines;
    const timeouts = lines.filter((l) => l.msg.includes('card-processor timed out')).length;
    console.log(JSON.stringify({ errors: lines.length, cardProcessorTimeouts: timeouts }));
  });
}).on('error', (e) => { console.error(e.message); process.exit(1); });
`;

/**
 * The offline demo's model: a fixed script for "why is checkout failing?". It exercises every
 * path a real run takes — a connection call, a refused connection outside the role, code run
 * in the sandbox, an answer — and is labelled as scripted in the transcript.
 */
export const troubleshootScript: ScriptedTurn[] = [
  { text: 'Let me start with the payments service health.', toolCalls: [{ name: 'http', input: { connection: 'payments-api', path: '/health' } }] },
  {
    text: 'Health is degraded: the card-processor check times out. Reading the recent errors.',
    toolCalls: [{ name: 'http', input: { connection: 'payments-api', path: '/logs?level=error&limit=20' } }],
  },
  {
    text: 'Most errors look like card-processor timeouts. Counting them precisely inside my sandbox.',
    toolCalls: [{ name: 'exec', input: { command: ['node', '-e', countTimeouts], timeoutMs: 10_000 } }],
  },
  {
    text: 'A restart might clear the exhausted pool; trying the admin endpoint.',
    toolCalls: [{ name: 'http', input: { connection: 'payments-admin', method: 'POST', path: '/restart' } }],
  },
  {
    text: [
      'Checkout is failing because the card processor is timing out.',
      '',
      '- /health reports `card-processor: timeout (p95 3012 ms, limit 3000 ms)`.',
      '- 9 of the last 12 checkout errors are "card-processor timed out after 3000 ms" with the connection pool exhausted (20/20 busy); the other 3 are inventory conflicts.',
      '- A restart goes through payments-admin, which only the platform-engineer role may use.',
      '',
      'Next steps: ask a platform engineer to restart payments or raise the card-processor pool size, and check the processor’s status page; the 3000 ms client timeout is being hit at p95.',
    ].join('\n'),
  },
];
