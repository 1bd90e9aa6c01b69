import { ConfigError, parseConfig } from '@remit/core';
import type { Resolver } from '@remit/egress';
import { describe, expect, it } from 'vitest';
import { checkModelEndpoint, refuseUnreachableModel } from './model-endpoint.ts';

const configFor = (baseUrl: string, allow?: string) =>
  parseConfig({
    REMIT_MODEL_PROVIDER: 'openai-compatible',
    REMIT_OPENAI_BASE_URL: baseUrl,
    REMIT_OPENAI_MODEL: 'qwen',
    REMIT_MODEL_PRICES: '{"qwen": {"inputPerMTok": 0, "outputPerMTok": 0}}',
    ...(allow ? { REMIT_OPENAI_ALLOW_CIDRS: allow } : {}),
  });

const resolver =
  (answers: Record<string, string[]>): Resolver =>
  async (host) => {
    const addresses = answers[host];
    if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('the model server, checked at start (REMIT_MODEL_PROVIDER=openai-compatible)', () => {
  it.each([
    ['http://10.0.5.20:8000/v1', undefined, '10.0.5.20', 'REMIT_OPENAI_ALLOW_CIDRS=10.0.5.20/32'],
    ['http://127.0.0.1:8000/v1', undefined, '127.0.0.1', 'REMIT_OPENAI_ALLOW_CIDRS=127.0.0.1/32'],
    ['http://[fd00::5]:8000/v1', undefined, 'fd00::5', 'REMIT_OPENAI_ALLOW_CIDRS=fd00::5/128'],
    ['http://10.0.5.20:8000/v1', '10.9.0.0/16', '10.0.5.20', 'REMIT_OPENAI_ALLOW_CIDRS=10.9.0.0/16,10.0.5.20/32'],
    ['http://models.internal:8000/v1', undefined, 'models.internal at 10.0.5.21', 'REMIT_OPENAI_ALLOW_CIDRS=10.0.5.21/32'],
  ])('names REMIT_OPENAI_ALLOW_CIDRS, and the value that works, for a private server: %s (allowed: %s)', async (url, allow, where, fix) => {
    const config = configFor(url, allow);
    const check = await checkModelEndpoint(config, { resolver: resolver({ 'models.internal': ['10.0.5.21'] }) });
    expect(check.problem).toEqual({
      variable: 'REMIT_OPENAI_ALLOW_CIDRS',
      message: `REMIT_OPENAI_BASE_URL reaches ${where}, a private or loopback address the egress guard refuses unless it is allowed`,
      fix: `set ${fix} (or your server's network range)`,
    });
    // The fix it names is one that works.
    const fixed = configFor(url, fix.split('=')[1]);
    expect(await checkModelEndpoint(fixed, { resolver: resolver({ 'models.internal': ['10.0.5.21'] }) })).toEqual({});
  });

  it('passes a public server and an allowed private one', async () => {
    expect(await checkModelEndpoint(configFor('https://models.example.com/v1'), { resolver: resolver({ 'models.example.com': ['93.184.215.14'] }) })).toEqual(
      {},
    );
    expect(await checkModelEndpoint(configFor('http://10.0.5.20:8000/v1', '10.0.5.0/24'))).toEqual({});
  });

  it('says to use an address for localhost, which the guard never trusts by name', async () => {
    expect((await checkModelEndpoint(configFor('http://localhost:8000/v1'))).problem).toMatchObject({
      variable: 'REMIT_OPENAI_BASE_URL',
      fix: expect.stringContaining('REMIT_OPENAI_ALLOW_CIDRS=127.0.0.1/32'),
    });
  });

  it('refuses cloud metadata whatever is allowed, naming the base URL rather than an allowance that cannot help', async () => {
    const check = await checkModelEndpoint(configFor('http://169.254.169.254/v1', '10.0.0.0/8'));
    expect(check.problem).toMatchObject({ variable: 'REMIT_OPENAI_BASE_URL', message: expect.stringContaining('metadata') });
  });

  it('only warns when the name does not resolve now (DNS may be down for a moment)', async () => {
    const check = await checkModelEndpoint(configFor('http://models.internal:8000/v1'), { resolver: resolver({}) });
    expect(check).toEqual({ warning: expect.stringMatching(/^REMIT_OPENAI_BASE_URL: models\.internal did not resolve/) });
  });

  it('has nothing to check for the other providers', async () => {
    expect(await checkModelEndpoint(parseConfig({}))).toEqual({});
  });

  it('stops the process as a configuration error (exit 2) naming the variable', async () => {
    const refusing = refuseUnreachableModel(configFor('http://10.0.5.20:8000/v1'), () => undefined);
    await expect(refusing).rejects.toBeInstanceOf(ConfigError);
    await expect(refusing).rejects.toMatchObject({
      details: {
        problems: [
          expect.stringMatching(/^REMIT_OPENAI_ALLOW_CIDRS: REMIT_OPENAI_BASE_URL reaches 10\.0\.5\.20, .*; set REMIT_OPENAI_ALLOW_CIDRS=10\.0\.5\.20\/32/),
        ],
      },
    });
  });
});
