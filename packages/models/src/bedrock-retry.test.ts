// Bedrock is faked at the SDK boundary (aws-sdk-client-mock on a real BedrockRuntimeClient); see fake-bedrock.ts.
import {
  AccessDeniedException,
  ConverseStreamCommand,
  InternalServerException,
  ModelStreamErrorException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { backoffMs, createBedrockProvider, type BedrockRetry } from './bedrock-provider.ts';
import { collect, ev, fakeBedrock, fakeRegion, rejection, request, streamOf, streamThatThrows, textTurn } from './fake-bedrock.ts';
import { ModelError } from './model-error.ts';

const modelId = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const retry: BedrockRetry = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 };
const meta = (status: number) => ({ $metadata: { httpStatusCode: status, requestId: 'b1a7f2c4-0d6e-4f1a-9c3b-7e2d5a8f6c10' } });
const throttled = () => new ThrottlingException({ message: 'Too many tokens, please wait before trying again.', ...meta(429) });

/** A provider on a fake Bedrock whose sleeps are recorded instead of waited, with jitter fixed at 0.5. */
function fakeSetup() {
  const { client, bedrock } = fakeBedrock();
  const sleeps: number[] = [];
  const provider = createBedrockProvider({ modelId, region: fakeRegion, client, retry, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) });
  return { provider, bedrock, sleeps, calls: () => bedrock.commandCalls(ConverseStreamCommand).length };
}

describe('retries (fake Bedrock)', () => {
  it('retries a throttlingException event that arrives before any output, after a jittered sleep, and then streams the answer', async () => {
    const { provider, bedrock, sleeps, calls } = fakeSetup();
    bedrock
      .on(ConverseStreamCommand)
      .resolvesOnce({ stream: streamOf([ev.messageStart(), { throttlingException: throttled() }]) })
      .resolvesOnce({ stream: streamOf(textTurn('remit has 3 open pull requests.')) });
    const events = await collect(provider.converse(request));
    expect(events[0]).toEqual({ type: 'text_delta', text: 'remit has 3 open pull requests.' });
    expect(events.filter((e) => e.type === 'text_delta')).toHaveLength(1);
    expect(calls()).toBe(2);
    expect(sleeps).toEqual([50]);
  });

  it('retries the same exception when the SDK throws it while reading the stream, as the real deserializer does', async () => {
    const { provider, bedrock, sleeps, calls } = fakeSetup();
    bedrock
      .on(ConverseStreamCommand)
      .resolvesOnce({ stream: streamThatThrows([ev.messageStart()], new InternalServerException({ message: 'Internal error', ...meta(500) })) })
      .resolvesOnce({ stream: streamOf(textTurn('ok')) });
    expect((await collect(provider.converse(request))).some((e) => e.type === 'stop')).toBe(true);
    expect(calls()).toBe(2);
    expect(sleeps).toEqual([50]);
  });

  it('does not retry an error after output has been yielded: a second call would repeat it', async () => {
    const { provider, bedrock, sleeps, calls } = fakeSetup();
    bedrock.on(ConverseStreamCommand).resolves({ stream: streamOf([ev.messageStart(), ev.text(0, 'remit has'), { throttlingException: throttled() }]) });
    const seen: unknown[] = [];
    const err = await rejection(
      (async () => {
        for await (const e of provider.converse(request)) seen.push(e);
      })(),
    );
    expect(seen).toEqual([{ type: 'text_delta', text: 'remit has' }]);
    expect(err).toBeInstanceOf(ModelError);
    expect(err).toMatchObject({ code: 'model_throttled', retryable: true });
    expect(calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('retries send() throwing ThrottlingException 3 times, with growing capped jittered sleeps, then succeeds', async () => {
    const { provider, bedrock, sleeps, calls } = fakeSetup();
    bedrock
      .on(ConverseStreamCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolvesOnce({ stream: streamOf(textTurn('ok')) });
    expect((await collect(provider.converse(request)))[0]).toEqual({ type: 'text_delta', text: 'ok' });
    expect(calls()).toBe(4);
    // 0.5 × min(250, 100·2^(n-1)) for n = 1, 2, 3.
    expect(sleeps).toEqual([50, 100, 125]);
  });

  it('gives up after maxAttempts with the last error, still marked retryable for a later run', async () => {
    const { provider, bedrock, sleeps, calls } = fakeSetup();
    bedrock.on(ConverseStreamCommand).rejects(throttled());
    const err = await rejection(collect(provider.converse(request)));
    expect(err).toMatchObject({ code: 'model_throttled', retryable: true, details: { providerCode: 'ThrottlingException', httpStatus: 429 } });
    expect((err as Error).message).toContain(`calls to ${modelId} in ${fakeRegion}`);
    expect(calls()).toBe(4);
    expect(sleeps).toHaveLength(3);
  });

  it('throws AccessDeniedException at once, with what to do about it', async () => {
    const { provider, bedrock, sleeps, calls } = fakeSetup();
    bedrock
      .on(ConverseStreamCommand)
      .rejects(new AccessDeniedException({ message: "You don't have access to the model with the specified model ID.", ...meta(403) }));
    const err = await rejection(collect(provider.converse(request)));
    expect(err).toBeInstanceOf(ModelError);
    expect(err).toMatchObject({ code: 'model_access_denied', retryable: false, details: { providerCode: 'AccessDeniedException', httpStatus: 403 } });
    expect((err as Error).message).toBe(
      `Bedrock denied access to model ${modelId} in region ${fakeRegion}: enable model access in the Bedrock console and allow bedrock:InvokeModelWithResponseStream on the model (for an inference profile: on the profile and on the model in each region it routes to).`,
    );
    expect(calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('throws a validationException event at once, quoting what Bedrock said was wrong', async () => {
    const { provider, bedrock, calls } = fakeSetup();
    const said = 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
    bedrock.on(ConverseStreamCommand).resolves({ stream: streamOf([{ validationException: new ValidationException({ message: said, ...meta(400) }) }]) });
    const err = await rejection(collect(provider.converse(request)));
    expect(err).toMatchObject({ code: 'model_invalid_request', retryable: false, message: expect.stringContaining(said) });
    expect(calls()).toBe(1);
  });

  it('retries a modelStreamErrorException event before output, as AWS advises', async () => {
    const { provider, bedrock, calls } = fakeSetup();
    const streamError = new ModelStreamErrorException({ message: 'Model stream error', originalStatusCode: 500, ...meta(424) });
    bedrock
      .on(ConverseStreamCommand)
      .resolvesOnce({ stream: streamOf([{ modelStreamErrorException: streamError }]) })
      .resolvesOnce({ stream: streamOf(textTurn('ok')) });
    await collect(provider.converse(request));
    expect(calls()).toBe(2);
  });

  it('draws full jitter: anywhere from 0 up to the capped exponential delay', () => {
    expect(backoffMs(1, retry, () => 0)).toBe(0);
    expect(backoffMs(1, retry, () => 0.999)).toBe(99);
    expect(backoffMs(2, retry, () => 0.999)).toBe(199);
    expect(backoffMs(10, retry, () => 0.999)).toBe(249);
  });
});

describe('abort (fake Bedrock)', () => {
  it("passes the signal to send and stops reading when it fires, with the caller's reason and no retry", async () => {
    const { provider, bedrock, sleeps, calls } = fakeSetup();
    bedrock.on(ConverseStreamCommand).resolves({ stream: streamOf(textTurn('remit has 3 open pull requests.')) });
    const controller = new AbortController();
    const seen: unknown[] = [];
    const err = await rejection(
      (async () => {
        for await (const e of provider.converse({ ...request, signal: controller.signal })) {
          seen.push(e);
          controller.abort('cancelled');
        }
      })(),
    );
    expect(err).toBe('cancelled');
    expect(seen).toHaveLength(1);
    // sinon records send's second argument although the stub's type lists only the command.
    const sendArgs: unknown[] = bedrock.commandCalls(ConverseStreamCommand)[0]!.args;
    expect(sendArgs[1]).toEqual({ abortSignal: controller.signal });
    expect(calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('does not call Bedrock at all when the signal has already fired', async () => {
    const { provider, bedrock, calls } = fakeSetup();
    bedrock.on(ConverseStreamCommand).resolves({ stream: streamOf(textTurn('ok')) });
    expect(await rejection(collect(provider.converse({ ...request, signal: AbortSignal.abort('timed_out') })))).toBe('timed_out');
    expect(calls()).toBe(0);
  });

  it("reports the caller's reason, not a model failure, when the SDK rejects because of the abort", async () => {
    const { provider, bedrock } = fakeSetup();
    const controller = new AbortController();
    bedrock.on(ConverseStreamCommand).callsFake(async () => {
      controller.abort('lease_lost');
      throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    });
    expect(await rejection(collect(provider.converse({ ...request, signal: controller.signal })))).toBe('lease_lost');
  });

  it('cuts the default backoff short when the signal fires while waiting', async () => {
    const { client, bedrock } = fakeBedrock();
    bedrock.on(ConverseStreamCommand).rejects(throttled());
    const provider = createBedrockProvider({
      modelId,
      region: fakeRegion,
      client,
      retry: { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      random: () => 1,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort('cancelled'), 20);
    const started = performance.now();
    expect(await rejection(collect(provider.converse({ ...request, signal: controller.signal })))).toBe('cancelled');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
  });
});
