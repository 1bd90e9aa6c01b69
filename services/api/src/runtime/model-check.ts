import type { ConfigEnv } from '@remit/core';
import { guardedFetch, isEgressError, type Resolver } from '@remit/egress';
import { DEFAULT_BEDROCK_MODEL_ID, resolveBedrockAccess } from '@remit/models';
import type { LiveCheck } from './live-check.ts';
import { checkModelEndpoint } from './model-endpoint.ts';

const name = 'model';

/**
 * A live check of the configured model provider, for `remit doctor`: an OpenAI-compatible
 * server is asked for its model list through the egress guard (as runs reach it); Bedrock's
 * region and credentials are resolved through the SDK's chain (a model call costs money, so
 * model access is not checked); the scripted model says it is a script.
 */
export async function checkModelProvider(config: ConfigEnv, options: { resolver?: Resolver } = {}): Promise<LiveCheck> {
  switch (config.REMIT_MODEL_PROVIDER) {
    case 'scripted':
      return {
        name,
        ok: true,
        detail:
          'scripted demo model (REMIT_MODEL_PROVIDER=scripted): replays a fixed script, not a real model; nothing to reach. Set REMIT_MODEL_PROVIDER=bedrock or openai-compatible for real runs',
      };
    case 'bedrock':
      return checkBedrock(config);
    case 'openai-compatible':
      return checkOpenAICompatible(config, options);
  }
}

async function checkBedrock(config: ConfigEnv): Promise<LiveCheck> {
  const modelId = config.REMIT_BEDROCK_MODEL_ID ?? DEFAULT_BEDROCK_MODEL_ID;
  const regionFrom = config.REMIT_BEDROCK_REGION ? 'REMIT_BEDROCK_REGION' : 'AWS_REGION';
  try {
    const access = await resolveBedrockAccess({ region: (config.REMIT_BEDROCK_REGION ?? config.AWS_REGION)! });
    const expires = access.expiresAt ? `, expiring ${access.expiresAt.toISOString()}` : '';
    return {
      name,
      ok: true,
      detail:
        `Bedrock ${modelId} in ${access.region} (${regionFrom}): credentials resolved from the AWS default chain (access key ${access.accessKey}${expires}). ` +
        'Not checked (it needs a paid call): whether this identity may invoke the model; the first run will say (model_access_denied)',
    };
  } catch (err) {
    return {
      name,
      ok: false,
      detail: `Bedrock ${modelId}: no AWS credentials resolved (${(err as Error).message})`,
      fix: 'give this process AWS credentials: an instance or task role, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    };
  }
}

async function checkOpenAICompatible(config: ConfigEnv, options: { resolver?: Resolver }): Promise<LiveCheck> {
  const base = config.REMIT_OPENAI_BASE_URL!.replace(/\/+$/, '');
  const model = config.REMIT_OPENAI_MODEL!;
  const url = `${base}/models`;
  // Origin and path only: a query string may hold a key.
  const shown = `${new URL(url).origin}${new URL(url).pathname}`;
  const endpoint = await checkModelEndpoint(config, options);
  if (endpoint.problem) {
    const { variable, message, fix } = endpoint.problem;
    return { name, ok: false, detail: `GET ${shown} not sent: ${variable}: ${message}`, fix };
  }
  let res: Awaited<ReturnType<typeof guardedFetch>>;
  try {
    res = await guardedFetch(
      url,
      { headers: { accept: 'application/json', ...(config.REMIT_OPENAI_API_KEY ? { authorization: `Bearer ${config.REMIT_OPENAI_API_KEY}` } : {}) } },
      {
        allowCidrs: config.REMIT_OPENAI_ALLOW_CIDRS,
        timeoutMs: 10_000,
        maxBytes: 1024 * 1024,
        maxRedirects: 0,
        ...(options.resolver ? { resolver: options.resolver } : {}),
      },
    );
  } catch (err) {
    const why = isEgressError(err) ? err.message : (err as Error).message;
    return {
      name,
      ok: false,
      detail: `GET ${shown} failed: ${why}`,
      fix: 'start the model server, or correct REMIT_OPENAI_BASE_URL (the URL that /chat/completions is under, often …/v1)',
    };
  }
  if (res.status === 401 || res.status === 403) {
    return {
      name,
      ok: false,
      detail: `GET ${shown} answered ${res.status}: the server refused ${config.REMIT_OPENAI_API_KEY ? 'the key in REMIT_OPENAI_API_KEY' : 'a request without a key'}`,
      fix: 'set REMIT_OPENAI_API_KEY to a key the server accepts',
    };
  }
  if (res.status !== 200) {
    return {
      name,
      ok: false,
      detail: `GET ${shown} answered ${res.status}`,
      fix: 'check REMIT_OPENAI_BASE_URL: it is the URL that /chat/completions and /models are under, often ending in /v1',
    };
  }
  const served = modelIds(res.body);
  if (served === undefined) return { name, ok: true, detail: `GET ${shown} answered 200 (no model list in it to look for ${model})` };
  if (!served.includes(model)) {
    return {
      name,
      ok: false,
      detail: `GET ${shown} answered 200, but the server does not list ${JSON.stringify(model)} (REMIT_OPENAI_MODEL)`,
      fix: `set REMIT_OPENAI_MODEL to a model it serves: ${served.slice(0, 5).join(', ')}${served.length > 5 ? ', …' : ''}`,
    };
  }
  return { name, ok: true, detail: `GET ${shown} answered 200 and lists ${model} (REMIT_OPENAI_MODEL), reached through the egress guard` };
}

/** The ids in an OpenAI `GET /models` answer (`{"data":[{"id":…}]}`), or undefined when it is not one. */
function modelIds(body: Buffer): string[] | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data)) return undefined;
    return parsed.data.map((m) => (m as { id?: unknown }).id).filter((id): id is string => typeof id === 'string');
  } catch {
    return undefined;
  }
}
