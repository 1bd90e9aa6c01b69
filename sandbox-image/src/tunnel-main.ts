import { FINGERPRINT_PATTERN, TICKET_PATTERN, TUNNEL_ENV } from './tunnel-protocol.ts';
import { runTunnel } from './tunnel.ts';

/**
 * The ECS task's entry point, bundled as tunnel.cjs:
 *   node tunnel.cjs <socket-dir> -- <agent argv…>
 * with REMIT_GATEWAY (host:port), REMIT_GATEWAY_SHA256 and REMIT_TICKET in the environment (the
 * task's overrides; none is secret once redeemed). The agent gets none of them: it is started
 * with PATH and HOME alone and its token on stdin, as under the local driver.
 */
function main(argv: string[]): void {
  const separator = argv.indexOf('--');
  const socketDir = argv[0];
  const agentCommand = argv.slice(separator + 1);
  const gateway = /^(.+):(\d{1,5})$/.exec(process.env[TUNNEL_ENV.gateway] ?? '');
  const fingerprint = process.env[TUNNEL_ENV.fingerprint] ?? '';
  const ticket = process.env[TUNNEL_ENV.ticket] ?? '';
  for (const name of Object.values(TUNNEL_ENV)) delete process.env[name];
  if (
    socketDir === undefined ||
    separator !== 1 ||
    agentCommand.length === 0 ||
    gateway === null ||
    !FINGERPRINT_PATTERN.test(fingerprint) ||
    !TICKET_PATTERN.test(ticket)
  ) {
    process.stderr.write(`usage: tunnel.cjs <socket-dir> -- <agent argv…> with ${Object.values(TUNNEL_ENV).join(', ')} set\n`);
    process.exit(2);
  }
  const host = gateway[1]!.replace(/^\[(.*)\]$/, '$1');
  void runTunnel({ gateway: { host, port: Number(gateway[2]) }, fingerprint, ticket, socketDir, agentCommand }).then((outcome) => {
    if (outcome.reason !== 'agent_exited') process.stderr.write(`remit tunnel: ${outcome.reason}\n`);
    process.exit(outcome.exitCode);
  });
}

main(process.argv.slice(2));
