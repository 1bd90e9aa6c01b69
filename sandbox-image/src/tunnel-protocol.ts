/**
 * What the sandbox's tunnel and the orchestrator's sandbox gateway say to each other over one
 * TLS connection (HTTP/2, one stream per purpose). Shared by both ends; the gateway imports it
 * from `@remit/sandbox-agent`.
 *
 *   POST /v1/attach   remit-ticket: <ticket>   → 200, then gateway → tunnel NDJSON: {"type":"claim","token":…}
 *   POST /v1/channel                           → 200, a byte pipe to the run's channel socket
 *   POST /v1/egress                            → 200, a byte pipe to the run's egress proxy socket
 */
export const TUNNEL_PATHS = { attach: '/v1/attach', channel: '/v1/channel', egress: '/v1/egress' } as const;

export const TICKET_HEADER = 'remit-ticket';

/** A ticket is 32 random bytes, base64url: the only shape the gateway will hash and look up. */
export const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A pinned certificate: the SHA-256 of its DER, lowercase hex. */
export const FINGERPRINT_PATTERN = /^[0-9a-f]{64}$/;

/** The one message the gateway sends on the attach stream: the run's bootstrap token, once. */
export interface ClaimMessage {
  type: 'claim';
  token: string;
}

/** The longest line the tunnel reads from the attach stream (a claim is ~80 bytes). */
export const MAX_CONTROL_LINE_BYTES = 1024;

/** The environment a sandbox task is started with (none of it secret; see sandbox-gateway.ts for why the ticket is not). */
export const TUNNEL_ENV = { gateway: 'REMIT_GATEWAY', fingerprint: 'REMIT_GATEWAY_SHA256', ticket: 'REMIT_TICKET' } as const;
