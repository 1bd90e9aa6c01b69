import { appendAudit } from '@remit/audit';
import { upsertGithubLink } from '@remit/db';
import { guardedFetch, type Resolver } from '@remit/egress';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Transact } from '../connections/transact.ts';

const GithubUser = z.object({ login: z.string().min(1).max(100), id: z.number().int().positive() });

/**
 * Links the GitHub account a user just authorized (a github connection's per-user OAuth) to
 * that user: GitHub itself says whose token it is (GET /user), so the link is verified, and
 * reviews of that account's pull requests run as this user's role. A failure here leaves the
 * connection authorized and the account unlinked (logged); an admin can still link it.
 */
export async function linkGithubAccount(
  deps: { resolver?: Resolver | undefined; logger: Logger },
  tx: Transact,
  p: { apiUrl: string; allowCidrs: readonly string[]; accessToken: string; userId: string; requestId: string },
): Promise<void> {
  try {
    const res = await guardedFetch(
      `${p.apiUrl.replace(/\/$/, '')}/user`,
      { headers: { authorization: `Bearer ${p.accessToken}`, accept: 'application/vnd.github+json', 'user-agent': 'remit' } },
      { ...(deps.resolver ? { resolver: deps.resolver } : {}), allowCidrs: [...p.allowCidrs], maxRedirects: 0, timeoutMs: 10_000, maxBytes: 64 * 1024 },
    );
    const user = res.status === 200 ? GithubUser.safeParse(JSON.parse(res.body.toString('utf8'))) : undefined;
    if (!user?.success) {
      deps.logger.warn({ status: res.status, userId: p.userId }, 'GitHub did not say whose token this is; the account is not linked');
      return;
    }
    await tx(async (sql) => {
      await upsertGithubLink(sql, { githubId: user.data.id, githubLogin: user.data.login, userId: p.userId, roleId: null, linkedBy: 'oauth' });
      await appendAudit(sql, {
        actorId: p.userId,
        action: 'github.link',
        targetType: 'github_account',
        targetId: String(user.data.id),
        outcome: 'success',
        requestId: p.requestId,
        detail: { linkedBy: 'oauth' },
      });
    });
  } catch (err) {
    deps.logger.warn({ err, userId: p.userId }, 'GitHub account not linked');
  }
}
