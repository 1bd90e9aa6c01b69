import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from './verify-webhook-signature.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);
const sign = (secret: string, body: Uint8Array) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

// GitHub sends its JSON without indentation and with lowercase letters in \u escapes
// uppercased; this is octokit/webhooks-methods test/common.ts `toNormalizedJsonString`.
function toNormalizedJsonString(payload: object): string {
  return JSON.stringify(payload).replace(/[^\\]\\u[\da-f]{4}/g, (s) => s.slice(0, 3) + s.slice(3).toUpperCase());
}

describe('verifyWebhookSignature known answers', () => {
  it("accepts GitHub's documented vector (docs: validating webhook deliveries)", () => {
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(verifyWebhookSignature(["It's a Secret to Everybody"], utf8('Hello, World!'), signature)).toBe(true);
  });

  it('accepts the octokit/webhooks-methods vectors, including the unicode ones (webhooks.js#71)', () => {
    const vectors = [
      { secret: 'mysecret', body: toNormalizedJsonString({ foo: 'bar' }), sig: 'sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3' },
      {
        secret: 'development',
        body: toNormalizedJsonString({ foo: 'Foo\n\u001b[34mbar: ♥♥♥♥♥♥♥♥\nthis-is-lost\u001b[0m\u001b[2K' }),
        sig: 'sha256=afecc3caa27548bb90d51a50384cb2868b9a3327b4ad6a01c9bd4ed0f8b0b12c',
      },
      {
        secret: 'development',
        body: toNormalizedJsonString({ foo: '\\u001b' }),
        sig: 'sha256=6f8326efbacfbd04e870cea25b5652e635be8c9807f2fd5348ef60753c9e96ed',
      },
    ];
    for (const { secret, body, sig } of vectors) expect(verifyWebhookSignature([secret], utf8(body), sig)).toBe(true);
  });

  it('accepts during rotation with either the current or the previous secret (verifyWithFallback vectors)', () => {
    const body = utf8(toNormalizedJsonString({ foo: 'bar' }));
    const sig = 'sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3';
    expect(verifyWebhookSignature(['mysecret', 'foo'], body, sig)).toBe(true);
    expect(verifyWebhookSignature(['foo', 'mysecret'], body, sig)).toBe(true);
    expect(verifyWebhookSignature(['foo', 'foo'], body, sig)).toBe(false);
  });
});

describe('verifyWebhookSignature refuses what an attacker would try', () => {
  const secret = "It's a Secret to Everybody";
  const body = utf8('Hello, World!');
  const good = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('refuses a body changed by one byte, or one byte longer or shorter', () => {
    for (let i = 0; i < body.length; i++) {
      const tampered = body.slice();
      tampered[i] = (tampered[i] ?? 0) ^ 1;
      expect(verifyWebhookSignature([secret], tampered, good)).toBe(false);
    }
    expect(verifyWebhookSignature([secret], utf8('Hello, World!\n'), good)).toBe(false);
    expect(verifyWebhookSignature([secret], utf8('Hello, World'), good)).toBe(false);
  });

  it('refuses the wrong secret, an empty secret and no secret at all', () => {
    expect(verifyWebhookSignature(['its a secret to everybody'], body, good)).toBe(false);
    expect(verifyWebhookSignature([''], utf8(''), sign('', utf8('')))).toBe(false);
    expect(verifyWebhookSignature([], body, good)).toBe(false);
  });

  it.each([
    ['missing header', undefined],
    ['empty header', ''],
    ['truncated by one digit', good.slice(0, -1)],
    ['truncated to the prefix', 'sha256='],
    ['one digit too many', `${good}0`],
    ['SHA-1 header value (X-Hub-Signature)', `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`],
    ['uppercase prefix', good.replace('sha256=', 'SHA256=')],
    ['mixed-case prefix', good.replace('sha256=', 'Sha256=')],
    ['uppercase hex', `sha256=${good.slice(7).toUpperCase()}`],
    ['no prefix', good.slice(7)],
    ['other algorithm prefix', good.replace('sha256=', 'sha512=')],
    ['leading space', ` ${good}`],
    ['trailing newline', `${good}\n`],
    ['non-hex digits', `sha256=${'z'.repeat(64)}`],
    ['base64 digest', `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`],
    ['two signatures', `${good},${good}`],
    ['all zeros', `sha256=${'0'.repeat(64)}`],
  ])('refuses %s', (_name, header) => {
    expect(verifyWebhookSignature([secret], body, header)).toBe(false);
  });
});

describe('verifyWebhookSignature properties', () => {
  it('verifies iff the body was signed with one of the secrets', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.uint8Array({ maxLength: 512 }),
        (raw, secret, other, otherBody) => {
          const signature = sign(secret, raw);
          expect(verifyWebhookSignature([secret], raw, signature)).toBe(true);
          expect(verifyWebhookSignature([other, secret], raw, signature)).toBe(true);
          expect(verifyWebhookSignature([other], raw, signature)).toBe(other === secret);
          const sameBody = Buffer.from(otherBody).equals(Buffer.from(raw));
          expect(verifyWebhookSignature([secret], otherBody, signature)).toBe(sameBody);
        },
      ),
    );
  });
});
