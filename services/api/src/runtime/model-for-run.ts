import { ConfigError, type ConfigEnv } from '@remit/core';
import type { RunRecord } from '@remit/db';
import { createScriptedProvider, type ModelProvider } from '@remit/models';
import { troubleshootScript } from '../demo/troubleshoot-script.ts';

/**
 * The model each run talks to. `scripted` replays the demo's troubleshooting script (clearly
 * labelled as not a real model); the Bedrock and OpenAI-compatible providers arrive with the
 * model issue and are refused at start until then.
 */
export function modelForRun(config: ConfigEnv): (run: RunRecord) => ModelProvider {
  if (config.REMIT_MODEL_PROVIDER !== 'scripted') {
    throw new ConfigError([`REMIT_MODEL_PROVIDER: "${config.REMIT_MODEL_PROVIDER}" is not available in this release yet; use "scripted"`]);
  }
  const demo = createScriptedProvider(troubleshootScript, { name: 'demo troubleshooting script' });
  return () => demo;
}

export const systemPrompt = [
  'You are Remit, an engineer troubleshooting a live platform on behalf of the user who asked.',
  'You act as their role: use only the tools and connections you are given; credentials are applied for you.',
  'Investigate with the smallest requests that answer the question, then give a short, concrete answer with the evidence.',
].join(' ');
