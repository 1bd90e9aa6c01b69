import { parseConfig } from '@remit/core';
import { fakeOpenAIServers, json, type FakeOpenAIServer } from '@remit/models/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkModelProvider } from './model-check.ts';
import { stubNoAwsCredentials } from '@remit/core/testing';

const startServer = fakeOpenAIServers(afterEach);
afterEach(() => vi.unstubAllEnvs());

const modelList = (...ids: string[]) => json(200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', owned_by: 'me' })) });

/** Configuration for the real egress guard and HTTP client talking to the fake server on loopback. */
const openai = (server: FakeOpenAIServer, extra: Record<string, string> = {}) =>
  parseConfig({
    REMIT_MODEL_PROVIDER: 'openai-compatible',
    REMIT_OPENAI_BASE_URL: server.baseUrl,
    REMIT_OPENAI_MODEL: 'llama-3.3-70b',
    REMIT_OPENAI_ALLOW_CIDRS: '127.0.0.1/32',
    REMIT_MODEL_PRICES: '{"llama-": {"inputPerMTok": 0, "outputPerMTok": 0}}',
    ...extra,
  });

describe('the live model check (remit doctor), against a fake OpenAI-compatible server', () => {
  it('asks GET {base}/models with the key, and passes when the server lists the configured model', async () => {
    const server = await startServer(modelList('qwen-2.5', 'llama-3.3-70b'));
    const check = await checkModelProvider(openai(server, { REMIT_OPENAI_API_KEY: 'sk-local-test' }));
    expect(check).toEqual({
      name: 'model',
      ok: true,
      detail: `GET ${server.baseUrl}/models answered 200 and lists llama-3.3-70b (REMIT_OPENAI_MODEL), reached through the egress guard`,
    });
    expect(server.seen).toMatchObject([{ method: 'GET', path: '/v1/models', headers: { authorization: 'Bearer sk-local-test' } }]);
  });

  it('fails when the server does not serve the configured model, and names the ones it does', async () => {
    const server = await startServer(modelList('qwen-2.5', 'mistral-7b'));
    expect(await checkModelProvider(openai(server))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('does not list "llama-3.3-70b" (REMIT_OPENAI_MODEL)'),
      fix: 'set REMIT_OPENAI_MODEL to a model it serves: qwen-2.5, mistral-7b',
    });
  });

  it.each([
    [401, 'set REMIT_OPENAI_API_KEY to a key the server accepts'],
    [403, 'set REMIT_OPENAI_API_KEY to a key the server accepts'],
    [404, expect.stringContaining('check REMIT_OPENAI_BASE_URL')],
    [500, expect.stringContaining('check REMIT_OPENAI_BASE_URL')],
  ])('fails on %i and says what to fix', async (status, fix) => {
    const server = await startServer(json(status, { error: { message: 'no' } }));
    expect(await checkModelProvider(openai(server))).toMatchObject({ ok: false, detail: expect.stringContaining(`answered ${status}`), fix });
  });

  it('never connects when the egress guard refuses the address, and names REMIT_OPENAI_ALLOW_CIDRS', async () => {
    const server = await startServer(modelList('llama-3.3-70b'));
    const check = await checkModelProvider(openai(server, { REMIT_OPENAI_ALLOW_CIDRS: '10.0.0.0/8' }));
    expect(check).toMatchObject({
      ok: false,
      detail: expect.stringContaining('not sent: REMIT_OPENAI_ALLOW_CIDRS: REMIT_OPENAI_BASE_URL reaches 127.0.0.1'),
      fix: "set REMIT_OPENAI_ALLOW_CIDRS=10.0.0.0/8,127.0.0.1/32 (or your server's network range)",
    });
    expect(server.connections()).toBe(0);
  });

  it('fails, naming the base URL, when nothing listens there', async () => {
    const server = await startServer();
    server.close();
    expect(await checkModelProvider(openai(server))).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/failed: Could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/),
      fix: expect.stringContaining('REMIT_OPENAI_BASE_URL'),
    });
  });

  it('says the scripted model is a script', async () => {
    expect(await checkModelProvider(parseConfig({}))).toMatchObject({ ok: true, detail: expect.stringMatching(/^scripted demo model .*not a real model/) });
  });

  it('resolves Bedrock’s region and credentials without calling Bedrock, and says what it did not check', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAEXAMPLE000TESTKEY');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-a-real-secret');
    const check = await checkModelProvider(parseConfig({ REMIT_MODEL_PROVIDER: 'bedrock', REMIT_BEDROCK_REGION: 'eu-west-1' }));
    expect(check).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/in eu-west-1 \(REMIT_BEDROCK_REGION\): credentials resolved .*AKIA…TKEY.*Not checked/),
    });
    expect(check.detail).not.toContain('not-a-real-secret');
  });

  it('fails, saying how to give credentials, when the AWS chain resolves none', async () => {
    stubNoAwsCredentials(vi.stubEnv);
    const check = await checkModelProvider(parseConfig({ REMIT_MODEL_PROVIDER: 'bedrock', REMIT_BEDROCK_REGION: 'eu-west-1' }));
    expect(check).toMatchObject({ ok: false, detail: expect.stringContaining('no AWS credentials resolved'), fix: expect.stringContaining('AWS_PROFILE') });
  });
});
