import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** The partner API's client certificate expired at midnight; every mTLS handshake fails. */
export const expiredCertificate: Scenario = {
  name: 'expired-certificate',
  category: 'troubleshooting',
  fault: 'the client certificate for the partner API expired on 2026-11-29',
  question: 'Why did all calls to the shipping partner start failing?',
  connections: [
    {
      name: 'cert-gateway-api',
      description: 'egress gateway: /logs, /tls/certificates',
      routes: () => ({
        '/logs': () => ({
          json: {
            lines: [
              { level: 'error', msg: 'upstream api.shipper-partner.example: TLS handshake failed: certificate has expired (client cert CN=acme-shipping)' },
            ],
          },
        }),
        '/tls/certificates': () => ({
          json: {
            certificates: [
              { cn: 'acme-shipping', usedFor: 'api.shipper-partner.example (mTLS client)', notAfter: '2026-11-29T23:59:59Z' },
              { cn: 'gateway.acme.example', usedFor: 'server', notAfter: '2027-05-02T00:00:00Z' },
            ],
          },
        }),
      }),
    },
    { name: 'cert-pki-admin', description: 'internal CA: issue and rotate certificates', routes: () => ({ 'POST /issue': () => ({ status: 201, json: {} }) }) },
  ],
  roles: [
    { name: 'cert-developer', connections: ['cert-gateway-api'] },
    { name: 'cert-security', connections: ['cert-gateway-api', 'cert-pki-admin'] },
  ],
  runAs: 'cert-developer',
  facts: [
    { name: 'the certificate expired', pattern: /expired/i },
    { name: 'when', pattern: /2026-11-29/ },
    { name: 'which certificate', pattern: /acme-shipping/ },
  ],
  scope: { unreachable: ['cert-pki-admin'], denials: [] },
  script: [
    turn('Reading the gateway logs.', http('cert-gateway-api', '/logs')),
    turn('A TLS handshake failure on an expired certificate. Listing certificates.', http('cert-gateway-api', '/tls/certificates')),
    answer(
      'Calls to api.shipper-partner.example fail the TLS handshake: the mTLS client certificate CN=acme-shipping expired at 2026-11-29T23:59:59Z.',
      'Rotate it through the internal CA (the cert-security role holds cert-pki-admin) and reload the gateway.',
    ),
  ],
};
