import type { ConnectionSecret } from '@remit/core';
import type { Resolver } from '@remit/egress';
import type { ConnectionSettings, Verification } from './connection-type.ts';
import { withCredentials } from './credential-headers.ts';
import { connectionType } from './types/index.ts';

/**
 * One live call that proves a connection works with these credentials, through the egress
 * guard: what the call is depends on its type (an HTTP connection's verifyPath, GitHub's /user
 * or /app, STS AssumeRole). Never call it inside a database transaction: it may take seconds.
 */
export function verifyConnection(
  c: ConnectionSettings,
  secret: ConnectionSecret | undefined,
  options: { resolver?: Resolver | undefined; userToken?: string } = {},
): Promise<Verification> {
  return connectionType(c.type).verify(withCredentials(c, secret, options.userToken), { resolver: options.resolver });
}
