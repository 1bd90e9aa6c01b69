import { resolve } from 'node:path';
import { loadOrCreateDevIssuer } from '@remit/identity';
import { CliError, type CommandContext } from '../command-context.ts';

/** Signs a token with the local development issuer. The token is alone on the last line of stdout. */
export async function tokenCommand(ctx: CommandContext, opts: { user?: string; groups?: string; ttl?: string }): Promise<number> {
  if (ctx.config.REMIT_OIDC_ISSUER) {
    throw new CliError('usage', 'remit token signs with the built-in development issuer only; REMIT_OIDC_ISSUER is set, so get a token from your IdP.');
  }
  const user = opts.user?.trim();
  if (!user || !/^[^@\s]+@[^@\s]+$/.test(user)) throw new CliError('usage', '--user EMAIL is required, e.g. --user alice@example.com');
  const groups = (opts.groups ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const ttlSeconds = opts.ttl === undefined ? 3600 : Number(opts.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 7 * 86_400)
    throw new CliError('usage', '--ttl must be whole seconds between 60 and 604800');
  const issuer = await loadOrCreateDevIssuer(resolve(ctx.config.REMIT_DATA_DIR), { audience: ctx.config.REMIT_OIDC_AUDIENCE });
  const token = await issuer.sign({ sub: user.toLowerCase(), email: user.toLowerCase(), groups, ttlSeconds });
  process.stderr.write(`token for ${user}${groups.length ? ` (groups: ${groups.join(', ')})` : ''}, valid ${ttlSeconds} s:\n`);
  process.stdout.write(`${token}\n`);
  return 0;
}
