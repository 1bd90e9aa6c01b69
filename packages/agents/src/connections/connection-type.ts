import type { Connection, ConnectionSecret, ConnectionType, CredentialBundle, ToolName } from '@remit/core';
import type { Resolver } from '@remit/egress';
import type { z } from 'zod';

/** A connection's saved settings; `config` was parsed against its type's schema when it was saved. */
export type ConnectionSettings = Pick<Connection, 'type' | 'authMode' | 'config'> & { oauth?: Connection['oauth'] | undefined };

/** A connection with the credentials it is used with, and the headers that carry them on the way out. */
export interface CredentialedConnection extends ConnectionSettings {
  secret: ConnectionSecret | undefined;
  /** The triggering user's token, for an oauth_user connection at run time; absent at save. */
  userToken: string | undefined;
  /** The service account's headers, or the user's bearer token: added by the verifier or the egress proxy, never inside the sandbox. */
  headers: Record<string, string>;
}

/** The answer of a live check; `reason` is safe to show an admin or a transcript, `cause` is for operators' logs. */
export type Verification = { ok: true } | { ok: false; reason: string; cause?: unknown };

/** Where a connection's HTTP traffic goes, and the private ranges its admin allowed. */
export interface Endpoint {
  baseUrl: string;
  allowCidrs: string[];
}

/** What one run receives from one connection that passed its live check. */
export interface RunGrant {
  /** For the egress proxy: where requests go and the headers it adds, outside the sandbox. Absent for a type with no HTTP endpoint. */
  egress?: Endpoint & { headers: Record<string, string> };
  /** Credentials a tool inside the sandbox must hold (a git token, STS keys). */
  inside?: CredentialBundle['secrets'][number];
  /** Secrets minted for this run, to scrub; the stored secret and the user's token are added by the caller. */
  minted: string[];
}

export type RunOpening = { ok: true; grant: RunGrant } | { ok: false; reason: string; cause?: unknown };

type Config = Record<string, unknown>;

/**
 * Where credentials go, as the config fields an admin would change to move them (so a refusal
 * can name them), each reduced to the value that decides it. See secret-destination.ts.
 */
export type Destination = Readonly<Record<string, string | number | null>>;

/**
 * One connection type: everything that differs between an HTTP API, GitHub and an AWS account.
 * Adding a type is its config schema in @remit/core, one module here and one line in
 * types/index.ts; saving, verifying, building a run's access and offering tools dispatch on it.
 * Config values arrive as saved; `authMode` is handled by the callers (an oauth_user connection
 * stores only a client secret and sends the user's token, whatever its type).
 */
export interface ConnectionTypeModule {
  readonly type: ConnectionType;
  /** The config's schema; it lives in @remit/core, where the OpenAPI document is generated from it. */
  readonly configSchema: z.ZodType;
  /** The tools that take this type's connections by name; `exec` and `read_file` take none. */
  readonly tools: readonly ToolName[];
  /** The secret fields a service account with this config needs. */
  secretFields(config: Config): (keyof ConnectionSecret)[];
  /** The config fields that decide where a service account's stored secret is sent (see secret-destination.ts). */
  secretDestination(config: Config): Destination;
  /** The config fields that decide where users' access tokens are sent, for an oauth_user connection. */
  userTokenDestination(config: Config): Destination;
  /** Where its HTTP traffic goes; null for a type with no HTTP endpoint (AWS). */
  endpoint(config: Config): Endpoint | null;
  /** The headers that carry a service account's stored credentials. */
  serviceHeaders(config: Config, secret: ConnectionSecret | undefined): Record<string, string>;
  /** One live call, through the egress guard, that proves the connection works with these credentials. */
  verify(c: CredentialedConnection, options: { resolver?: Resolver | undefined }): Promise<Verification>;
  /** The live check before a run, and what the run receives. A provider's refusal may also be thrown as a CredentialError. */
  openForRun(c: CredentialedConnection, options: { runId: string; connectionName: string; resolver?: Resolver | undefined }): Promise<RunOpening>;
}
