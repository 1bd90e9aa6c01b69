import { readFileSync } from 'node:fs';
import { gitUrlOf, type GithubSettings } from '@remit/agents';
import type { ConfigEnv } from '@remit/core';
import { StartupError } from './startup-error.ts';

/** The GitHub App reviews run as, from REMIT_GITHUB_*; undefined when no App is configured. A key file that cannot be read stops the start, named. */
export function githubSettingsFrom(config: ConfigEnv): GithubSettings | undefined {
  if (config.REMIT_GITHUB_APP_ID === undefined) return undefined;
  let privateKey = config.REMIT_GITHUB_APP_PRIVATE_KEY;
  if (privateKey === undefined) {
    const file = config.REMIT_GITHUB_APP_PRIVATE_KEY_FILE!;
    try {
      privateKey = readFileSync(file, 'utf8');
    } catch (err) {
      throw new StartupError(
        'github_key_unreadable',
        `REMIT_GITHUB_APP_PRIVATE_KEY_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        {
          cause: err,
        },
      );
    }
  }
  return {
    appId: config.REMIT_GITHUB_APP_ID,
    privateKey,
    apiUrl: config.REMIT_GITHUB_API_URL,
    gitUrl: gitUrlOf(config.REMIT_GITHUB_API_URL),
    allowCidrs: config.REMIT_GITHUB_ALLOW_CIDRS,
  };
}
