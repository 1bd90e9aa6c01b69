import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretValue } from './secret-value.ts';

const RAW = 'ghp_s3cr3tTokenValue1234567890';

describe('SecretValue', () => {
  const secret = new SecretValue(RAW);
  const spellings: [string, () => string][] = [
    ['String()', () => String(secret)],
    ['template literal', () => `token=${secret}`],
    ['string concatenation', () => 'token=' + secret],
    ['JSON.stringify', () => JSON.stringify({ token: secret, nested: [secret] })],
    ['util.inspect', () => inspect({ token: secret })],
    ['util.inspect, showHidden', () => inspect(secret, { showHidden: true })],
    ['util.inspect, customInspect off', () => inspect({ token: secret }, { customInspect: false, showHidden: true })],
    ['util.format %s %o %O %j', () => format('%s %o %O %j', secret, secret, { secret }, { secret })],
    ['Object.entries', () => JSON.stringify(Object.entries(secret))],
    ['spread', () => inspect({ ...secret })],
    ['structuredClone', () => inspect(structuredClone(secret))],
    [
      'a thrown error',
      () => {
        try {
          throw new Error(`upstream refused ${secret}`, { cause: { secret } });
        } catch (err) {
          return `${(err as Error).message} ${inspect(err)} ${JSON.stringify(err)}`;
        }
      },
    ],
  ];

  it.each(spellings)('never shows the value through %s', (_how, spell) => {
    expect(spell()).not.toContain(RAW);
  });

  it('prints [secret] where a string is expected', () => {
    expect(String(secret)).toBe('[secret]');
    expect(JSON.stringify(secret)).toBe('"[secret]"');
    expect(inspect(secret)).toBe('[secret]');
    expect(`${secret}`).toBe('[secret]');
  });

  it('gives the value back only through reveal()', () => {
    expect(secret.reveal()).toBe(RAW);
  });

  it('refuses anything but a string', () => {
    expect(() => new SecretValue(42 as unknown as string)).toThrow(TypeError);
  });
});
