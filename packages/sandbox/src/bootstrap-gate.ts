import { timingSafeEqual } from 'node:crypto';

/** Why a `hello` was refused; reported through the session's onEvent, never with the token. */
export type BootstrapRefusal = 'wrong_token' | 'token_used' | 'not_accepted' | 'malformed';

type BootstrapDecision = { ok: true } | { ok: false; reason: BootstrapRefusal };

/**
 * The one-time check of a bootstrap token. The token is spent before any await, so two
 * concurrent hellos cannot both pass, and stays spent whatever the store answers; the
 * optional store callback (the worker's database row) makes it one-time across processes too.
 */
export class BootstrapGate {
  private token: Buffer | undefined;

  constructor(
    token: string,
    private readonly consume?: (token: string) => Promise<boolean>,
  ) {
    this.token = Buffer.from(token);
  }

  async check(presented: string): Promise<BootstrapDecision> {
    const expected = this.token;
    if (expected === undefined) return { ok: false, reason: 'token_used' };
    const given = Buffer.from(presented);
    // Constant time after the length check; the length of a random token is no secret.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'wrong_token' };
    this.token = undefined;
    if (this.consume === undefined) return { ok: true };
    // Fail closed: a token the store could not record is refused, and the session reports the refusal.
    const accepted = await this.consume(presented).catch(() => false);
    return accepted ? { ok: true } : { ok: false, reason: 'not_accepted' };
  }

  /** Makes the token useless from now on (session closed). */
  spend(): void {
    this.token = undefined;
  }
}
