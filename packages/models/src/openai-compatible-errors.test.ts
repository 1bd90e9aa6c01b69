// Failures, retries, the egress guard and aborts, against a fake OpenAI-compatible server on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { chunk, json, sse, fakeOpenAIServers, providerFor, type FakeReply } from './fake-openai-server.ts';
import { ModelError } from './model-error.ts';
import type { ConverseRequest, ModelStreamEvent } from './model-provider.ts';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.ts';

const fake = fakeOpenAIServers(afterEach);
const provider = providerFor;

const request: ConverseRequest = { system: 'You are Remit.', messages: [{ role: 'user', content: [{ text: 'Hi.' }] }], tools: [] };
const answer = sse([chunk.text('Hello.', 'stop'), chunk.usage(10, 2)]);

async function collect(events: AsyncIterable<ModelStreamEvent>): Promise<ModelStreamEvent[]> {
  const out: ModelStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** Runs the call to its end and returns what it threw, with what it yielded first. */
async function failure(events: AsyncIterable<ModelStreamEvent>): Promise<{ error: ModelError; yielded: ModelStreamEvent[] }> {
  const yielded: ModelStreamEvent[] = [];
  try {
    for await (const event of events) yielded.push(event);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return { error: err as ModelError, yielded };
  }
  throw new Error('expected the call to fail');
}

describe('OpenAI-compatible provider: retries', () => {
  it('429 with Retry-After waits as asked, then succeeds', async () => {
    const server = await fake(
      json(429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after': '2' }),
      answer,
    );
    const { model, delays } = provider(server);
    const events = await collect(model.converse(request));
    expect(events[0]).toEqual({ type: 'text_delta', text: 'Hello.' });
    expect(delays).toEqual([2000]);
    expect(server.seen).toHaveLength(2);
  });

  it('503 twice, then success, with full-jitter exponential waits', async () => {
    const server = await fake(json(503, { error: { message: 'loading model' } }), json(503, { error: { message: 'loading model' } }), answer);
    const { model, delays } = provider(server, { retry: { maxAttempts: 4, baseDelayMs: 400, maxDelayMs: 10_000 } });
    await collect(model.converse(request));
    // random() = 0.5: half of 400·2⁰, then half of 400·2¹.
    expect(delays).toEqual([200, 400]);
    expect(server.seen).toHaveLength(3);
  });

  it('caps the backoff and gives up after maxAttempts with model_unavailable', async () => {
    const down = json(502, { error: { message: 'bad gateway' } });
    const server = await fake(down, down, down);
    const { model, delays } = provider(server, { retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 1500 }, random: () => 0.999 });
    const { error } = await failure(model.converse(request));
    expect(error).toMatchObject({ code: 'model_unavailable', retryable: true, details: { httpStatus: 502 } });
    expect(delays).toEqual([999, 1498]);
    expect(server.seen).toHaveLength(3);
  });

  it('does not retry when Retry-After asks for longer than the cap, and says so', async () => {
    const server = await fake(json(429, { error: { message: 'slow down' } }, { 'retry-after': '600' }));
    const { model, delays } = provider(server);
    const { error } = await failure(model.converse(request));
    expect(error).toMatchObject({ code: 'model_throttled', retryable: true });
    expect(error.message).toContain('asked for a wait of 600 s');
    expect(delays).toEqual([]);
  });

  it('retries a server that is down (connection refused), then reports model_unavailable', async () => {
    const server = await fake();
    const { baseUrl } = server;
    server.close();
    const { model, delays } = provider({ ...server, baseUrl }, { retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } });
    const { error } = await failure(model.converse(request));
    expect(error).toMatchObject({ code: 'model_unavailable', retryable: true });
    expect(error.message).toMatch(/Could not reach the model server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(delays).toHaveLength(1);
  });

  it('times out a server that never answers, retrying before giving up with model_timeout', async () => {
    const silent: FakeReply = () => undefined;
    const server = await fake(silent, silent);
    const { model, delays } = provider(server, { timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } });
    const { error } = await failure(model.converse(request));
    expect(error).toMatchObject({ code: 'model_timeout', retryable: true });
    expect(error.message).toContain('was silent for 100 ms');
    expect(server.seen).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });
});

describe('OpenAI-compatible provider: refusals are not retried and say what to fix', () => {
  const cases: { status: number; body: object; code: string; says: RegExp; apiKey?: string }[] = [
    {
      status: 401,
      body: { error: { message: 'Incorrect API key provided: sk-wr***ng', code: 'invalid_api_key' } },
      code: 'model_access_denied',
      says: /rejected the API key \(HTTP 401\)/,
      apiKey: 'sk-wrong',
    },
    { status: 401, body: { error: { message: 'missing key' } }, code: 'model_access_denied', says: /needs an API key \(HTTP 401\); configure one/ },
    { status: 403, body: { error: { message: 'forbidden' } }, code: 'model_access_denied', says: /refused access to model "llama-3.3-70b"/ },
    {
      status: 404,
      body: { error: { message: 'The model `llama-3.3-70b` does not exist.' } },
      code: 'model_not_found',
      says: /no model "llama-3.3-70b" or no \/chat\/completions endpoint.*baseUrl ends in \/v1/,
    },
    {
      status: 400,
      body: { object: 'error', message: 'max_tokens must be at most 2048', type: 'BadRequestError', code: 400 },
      code: 'model_invalid_request',
      says: /as invalid \(HTTP 400\): max_tokens must be at most 2048/,
    },
    {
      status: 429,
      body: { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } },
      code: 'model_quota_exceeded',
      says: /no quota left/,
    },
  ];
  for (const c of cases) {
    it(`HTTP ${c.status} ${c.code}${c.apiKey ? ' with a key' : ''}`, async () => {
      const server = await fake(json(c.status, c.body, { 'x-request-id': 'req-42' }), answer);
      const { model, delays, origin } = provider(server, c.apiKey ? { apiKey: c.apiKey } : {});
      const { error } = await failure(model.converse(request));
      expect(error).toMatchObject({ code: c.code, retryable: false, details: { httpStatus: c.status, requestId: 'req-42' } });
      expect(error.message).toMatch(c.says);
      expect(error.message).toContain(origin);
      // The key is never in what a person sees, even when the server echoes part of it.
      expect(error.message).not.toMatch(/sk-/);
      expect(server.seen).toHaveLength(1);
      expect(delays).toEqual([]);
    });
  }
});

describe('OpenAI-compatible provider: errors inside the stream', () => {
  it('an SSE error after text has been yielded ends the call, unretried', async () => {
    const server = await fake(sse([chunk.text('Working on'), { error: { message: 'CUDA out of memory', type: 'server_error' } }], { done: false }), answer);
    const { model, delays } = provider(server);
    const { error, yielded } = await failure(model.converse(request));
    expect(yielded).toEqual([{ type: 'text_delta', text: 'Working on' }]);
    expect(error).toMatchObject({ code: 'model_failed', retryable: true, details: { providerCode: 'server_error' } });
    expect(error.message).toContain('reported an error while answering');
    expect((error.cause as Error).message).toBe('CUDA out of memory');
    expect(delays).toEqual([]);
    expect(server.seen).toHaveLength(1);
  });

  it('an SSE error before anything was yielded is retried, by the status it carries', async () => {
    const server = await fake(sse([{ error: { message: 'overloaded', code: 503 } }], { done: false }), answer);
    const { model, delays } = provider(server);
    const events = await collect(model.converse(request));
    expect(events[0]).toEqual({ type: 'text_delta', text: 'Hello.' });
    expect(delays).toHaveLength(1);
  });

  it('an `event: error` whose data is not JSON is still an error', async () => {
    const server = await fake((res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end('event: error\ndata: upstream exploded\n\n'));
    const { model } = provider(server, { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const { error } = await failure(model.converse(request));
    expect(error).toMatchObject({ code: 'model_failed' });
    expect((error.cause as Error).message).toBe('upstream exploded');
  });

  it('a stream cut before the model finished is model_unavailable, and not retried after text', async () => {
    const server = await fake(sse([chunk.text('Half an ans')], { done: false }), answer);
    const { model } = provider(server);
    const { error, yielded } = await failure(model.converse(request));
    expect(yielded).toHaveLength(1);
    expect(error).toMatchObject({ code: 'model_unavailable', retryable: true });
    expect(error.message).toContain('ended the stream before the model finished');
  });

  it('a server that ignores stream: true is refused clearly', async () => {
    const server = await fake(json(200, { object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }] }));
    const { error } = await failure(provider(server).model.converse(request));
    expect(error).toMatchObject({ code: 'model_failed', retryable: false });
    expect(error.message).toContain('needs a server that supports "stream": true');
  });
});

describe('OpenAI-compatible provider: the egress guard', () => {
  it('refuses a loopback server that allowCidrs does not allow, before connecting', async () => {
    const server = await fake(answer);
    const { model, delays, origin } = provider(server, { allowCidrs: [] });
    const { error } = await failure(model.converse(request));
    expect(error).toMatchObject({ code: 'model_access_denied', retryable: false });
    expect(error.message).toBe(`The model server at ${origin} resolves to a loopback address; if it is your own server, allow its range with allowCidrs.`);
    expect(server.connections()).toBe(0);
    expect(delays).toEqual([]);
  });

  it('never connects to cloud metadata, whatever allowCidrs says', async () => {
    const model = createOpenAICompatibleProvider({
      baseUrl: 'http://169.254.169.254/v1',
      model: 'm',
      allowCidrs: ['169.254.169.254/32'],
      sleep: async () => undefined,
    });
    const { error } = await failure(model.converse(request));
    expect(error).toMatchObject({ code: 'model_access_denied', retryable: false });
    expect(error.message).toContain('Remit never connects to the model server at http://169.254.169.254');
  });

  it('resolves a host name with the given resolver and connects to the checked address', async () => {
    const server = await fake(answer);
    const port = new URL(server.baseUrl).port;
    const names: string[] = [];
    const { model } = provider(server, {
      baseUrl: `http://models.internal.test:${port}/v1`,
      resolver: async (host) => (names.push(host), [{ address: '127.0.0.1', family: 4 }]),
    });
    await collect(model.converse(request));
    expect(names).toEqual(['models.internal.test']);
    expect(server.seen[0]!.headers.host).toBe(`models.internal.test:${port}`);
    expect(model.label).toBe(`openai-compatible:llama-3.3-70b@http://models.internal.test:${port}`);
  });

  it('refuses a baseUrl that is not a URL when the provider is made', () => {
    expect(() => createOpenAICompatibleProvider({ baseUrl: '10.0.0.5:8000/v1 ', model: 'm' })).toThrow(ModelError);
  });
});

describe('OpenAI-compatible provider: abort', () => {
  it('ends a stream the server keeps open, with the signal reason, and drops the connection', async () => {
    const server = await fake(sse([chunk.text('Thinking')], { done: false, end: false }));
    const { model } = provider(server);
    const controller = new AbortController();
    const events = model.converse({ ...request, signal: controller.signal })[Symbol.asyncIterator]();
    expect((await events.next()).value).toEqual({ type: 'text_delta', text: 'Thinking' });
    const next = events.next();
    controller.abort('cancelled');
    await expect(next).rejects.toBe('cancelled');
    await server.disconnected(0);
    expect(server.seen).toHaveLength(1);
  });

  it('stops waiting between retries when aborted', async () => {
    const server = await fake(json(503, { error: { message: 'loading' } }));
    const controller = new AbortController();
    const { model } = provider(server, { sleep: () => new Promise(() => controller.abort('timed_out')) });
    await expect(collect(model.converse({ ...request, signal: controller.signal }))).rejects.toBe('timed_out');
    expect(server.seen).toHaveLength(1);
  });
});
