import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

/** A TLS identity made at start: the key never leaves this process; the fingerprint is what a sandbox pins. */
export interface GatewayCertificate {
  keyPem: string;
  certPem: string;
  /** SHA-256 of the certificate's DER, lowercase hex: not secret (it is in every task's environment). */
  fingerprint: string;
}

/**
 * A self-signed ECDSA P-256 certificate, DER-encoded here (RFC 5280 §4.1) because node:crypto
 * signs but cannot build X.509. Nothing validates it as a chain: the sandbox's tunnel accepts
 * exactly the certificate whose SHA-256 it was given, so the subject and validity are
 * placeholders; the fields below are the least OpenSSL accepts for a TLS 1.3 server. A fixed
 * shape of ~40 lines instead of a certificate library (node-forge or @peculiar/x509 and their
 * dependencies) in the process that holds every run's credentials.
 */
export function createGatewayCertificate(now: Date = new Date()): GatewayCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecdsaWithSha256 = der(0x30, der(0x06, Buffer.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]))); // 1.2.840.10045.4.3.2
  const name = der(0x30, der(0x31, der(0x30, der(0x06, Buffer.from([0x55, 0x04, 0x03])), der(0x0c, Buffer.from('remit-sandbox-gateway'))))); // CN
  const serial = randomBytes(16);
  // A positive INTEGER in minimal DER: top bit clear (else it reads negative) and the first byte
  // never 0 (a leading zero byte before one under 0x80 is padding DER refuses: ~1 start in 256 failed).
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, serial),
    ecdsaWithSha256,
    name,
    der(0x30, utcTime(new Date(now.getTime() - 3600_000)), utcTime(new Date(now.getTime() + 3650 * 86400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const cert = der(0x30, tbs, ecdsaWithSha256, der(0x03, Buffer.from([0]), signature));
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: `-----BEGIN CERTIFICATE-----\n${cert.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`.replace('\n\n', '\n'),
    fingerprint: createHash('sha256').update(cert).digest('hex'),
  };
}

function der(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

/** UTCTime (YYMMDDHHMMSSZ), which RFC 5280 requires for dates before 2050. */
function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  return der(0x17, Buffer.from(`${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`));
}
