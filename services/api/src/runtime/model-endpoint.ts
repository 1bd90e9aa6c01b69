import { isIPv6 } from 'node:net';
import { ConfigError, type ConfigEnv } from '@remit/core';
import { checkUrl, validateAllowCidr, type Resolver } from '@remit/egress';

/** A configured model server runs cannot reach, and the setting that fixes it. */
interface EndpointProblem {
  variable: 'REMIT_OPENAI_ALLOW_CIDRS' | 'REMIT_OPENAI_BASE_URL';
  message: string;
  fix: string;
}

/** What the start-up check found: a problem stops the process (exit 2); a warning is logged. */
export interface ModelEndpointCheck {
  problem?: EndpointProblem;
  warning?: string;
}

/**
 * Whether the egress guard will let runs reach the configured OpenAI-compatible server, asked at
 * start rather than at a run's first model call: a private or loopback server needs its address
 * allowed in REMIT_OPENAI_ALLOW_CIDRS. A name that does not resolve now is only a warning (DNS
 * may be down for a moment); every call checks again.
 */
export async function checkModelEndpoint(config: ConfigEnv, options: { resolver?: Resolver } = {}): Promise<ModelEndpointCheck> {
  if (config.REMIT_MODEL_PROVIDER !== 'openai-compatible' || !config.REMIT_OPENAI_BASE_URL) return {};
  const allowCidrs = config.REMIT_OPENAI_ALLOW_CIDRS;
  const verdict = await checkUrl(config.REMIT_OPENAI_BASE_URL, { allowCidrs, ...(options.resolver ? { resolver: options.resolver } : {}) });
  if (verdict.allowed) return {};
  const host = verdict.url?.hostname.replace(/^\[(.*)\]$/, '$1') ?? 'its host';
  switch (verdict.reason) {
    case 'localhost':
      return {
        problem: {
          variable: 'REMIT_OPENAI_BASE_URL',
          message: `names ${host}, which the egress guard never trusts by name`,
          fix: 'use the address instead (e.g. http://127.0.0.1:PORT/v1) and allow it with REMIT_OPENAI_ALLOW_CIDRS=127.0.0.1/32',
        },
      };
    case 'dns_failed':
    case 'dns_empty':
      return { warning: `REMIT_OPENAI_BASE_URL: ${verdict.detail} Model calls fail until it resolves.` };
  }
  // Allowing exactly the addresses it resolves to is what would let it through, if an allowance can.
  const addresses = verdict.addresses ?? [];
  const needed = addresses.map((a) => `${a}/${isIPv6(a) ? 128 : 32}`).filter((c) => !allowCidrs.includes(c));
  if (needed.length > 0 && needed.every((c) => validateAllowCidr(c).valid)) {
    const retry = await checkUrl(config.REMIT_OPENAI_BASE_URL, {
      allowCidrs: [...allowCidrs, ...needed],
      resolver: async () => addresses.map((address) => ({ address, family: isIPv6(address) ? 6 : 4 })),
    });
    if (retry.allowed) {
      const at = addresses.join(', ');
      return {
        problem: {
          variable: 'REMIT_OPENAI_ALLOW_CIDRS',
          message: `REMIT_OPENAI_BASE_URL reaches ${host === at ? at : `${host} at ${at}`}, a private or loopback address the egress guard refuses unless it is allowed`,
          fix: `set REMIT_OPENAI_ALLOW_CIDRS=${[...allowCidrs, ...needed].join(',')} (or your server's network range)`,
        },
      };
    }
  }
  return { problem: { variable: 'REMIT_OPENAI_BASE_URL', message: verdict.detail, fix: 'point it at a server the egress guard may reach' } };
}

/** Runs checkModelEndpoint: a problem throws ConfigError (the process stops with exit 2, naming the variable). */
export async function refuseUnreachableModel(config: ConfigEnv, warn: (message: string) => void): Promise<void> {
  const { problem, warning } = await checkModelEndpoint(config);
  if (warning) warn(warning);
  if (problem) throw new ConfigError('invalid_config', undefined, { details: { problems: [`${problem.variable}: ${problem.message}; ${problem.fix}`] } });
}
