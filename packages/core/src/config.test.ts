import { describe, expect, it } from 'vitest';
import { configProblems } from './testing/config-problems.ts';
import { activeIssuer, consoleLoginMode, isLoopbackHost, parseConfig } from './config.ts';

const idp = { REMIT_OIDC_ISSUER: 'https://idp.example.com', REMIT_OIDC_JWKS_URL: 'https://idp.example.com/jwks' };
const ownerUrl = 'postgres://remit_owner:pw@db.internal:5432/remit';

const problems = configProblems;

describe('the development issuer', () => {
  it('runs by default on loopback with the embedded database, and says why', () => {
    expect(activeIssuer(parseConfig({}))).toEqual({ kind: 'development', issuer: undefined, why: expect.stringContaining('loopback') });
  });

  it.each([
    [{ REMIT_HOST: '0.0.0.0' }, /^REMIT_OIDC_ISSUER: required because REMIT_HOST is "0.0.0.0", not loopback; .*REMIT_DEV_ISSUER=1/],
    [{ REMIT_HOST: '::' }, /^REMIT_OIDC_ISSUER: required because REMIT_HOST is "::", not loopback/],
    [{ REMIT_HOST: 'remit.internal.example.com' }, /^REMIT_OIDC_ISSUER: required because REMIT_HOST is "remit.internal.example.com"/],
    [{ DATABASE_URL: ownerUrl }, /^REMIT_OIDC_ISSUER: required because DATABASE_URL is set; .*REMIT_DEV_ISSUER=1/],
    [{ REMIT_HOST: '10.0.0.5', DATABASE_URL: ownerUrl }, /^REMIT_OIDC_ISSUER: required because REMIT_HOST is "10.0.0.5", not loopback and DATABASE_URL is set/],
  ])('never runs silently in a deployment: %o stops at start naming the variables', (env, message) => {
    expect(problems(env)).toEqual([expect.stringMatching(message)]);
  });

  it('runs anywhere when enabled on purpose, and says so', () => {
    const config = parseConfig({ REMIT_HOST: '0.0.0.0', DATABASE_URL: ownerUrl, REMIT_DEV_ISSUER: '1' });
    expect(activeIssuer(config)).toEqual({ kind: 'development', issuer: undefined, why: 'REMIT_DEV_ISSUER=1' });
  });

  it('gives way to a configured OIDC issuer on any host', () => {
    const config = parseConfig({ REMIT_HOST: '0.0.0.0', DATABASE_URL: ownerUrl, ...idp });
    expect(activeIssuer(config)).toEqual({ kind: 'oidc', issuer: idp.REMIT_OIDC_ISSUER, why: 'REMIT_OIDC_ISSUER is set' });
  });

  it.each([
    [{ REMIT_DEV_ISSUER: '1', ...idp }, 'REMIT_DEV_ISSUER: cannot be combined with REMIT_OIDC_ISSUER; unset one of them (got "1")'],
    [{ REMIT_DEV_ISSUER: 'true', ...idp }, 'REMIT_DEV_ISSUER: cannot be combined with REMIT_OIDC_ISSUER; unset one of them (got "true")'],
    [{ REMIT_DEV_ISSUER: '0' }, 'REMIT_OIDC_ISSUER: required when REMIT_DEV_ISSUER is 0'],
    [{ REMIT_DEV_ISSUER: 'yes' }, 'REMIT_DEV_ISSUER: expected 1 (on) or 0 (off) (got "yes")'],
  ])('refuses a contradictory or unclear choice: %o', (env, message) => {
    expect(problems(env)).toEqual([message]);
  });
});

describe('the console sign-in', () => {
  const client = { ...idp, REMIT_OIDC_CLIENT_ID: 'remit-console' };

  it('signs in with the development issuer when that is the active issuer', () => {
    expect(consoleLoginMode(parseConfig({}))).toEqual({ kind: 'development' });
    expect(consoleLoginMode(parseConfig({ REMIT_HOST: '0.0.0.0', REMIT_DEV_ISSUER: '1' }))).toEqual({ kind: 'development' });
  });

  it('signs in with the IdP once REMIT_OIDC_ISSUER and REMIT_OIDC_CLIENT_ID are set, asking for openid email profile by default', () => {
    const config = parseConfig({ ...client, REMIT_OIDC_CLIENT_SECRET: 'console-secret', REMIT_OIDC_GROUPS_CLAIM: 'roles', REMIT_OIDC_ALG: 'ES256' });
    expect(consoleLoginMode(config)).toEqual({
      kind: 'oidc',
      issuer: idp.REMIT_OIDC_ISSUER,
      clientId: 'remit-console',
      clientSecret: 'console-secret',
      scopes: ['openid', 'email', 'profile'],
      groupsClaim: 'roles',
      algorithm: 'ES256',
    });
    expect(consoleLoginMode(parseConfig(client))).toMatchObject({ kind: 'oidc', clientSecret: undefined });
  });

  it('is unavailable with an IdP but no client id, and names the variable to set', () => {
    expect(consoleLoginMode(parseConfig(idp))).toEqual({
      kind: 'unavailable',
      why: expect.stringMatching(/^set REMIT_OIDC_CLIENT_ID to the console’s OIDC client id/),
    });
  });

  it('reads REMIT_OIDC_SCOPES as space-separated scope names', () => {
    expect(parseConfig({ ...client, REMIT_OIDC_SCOPES: ' openid  groups\toffline_access ' }).REMIT_OIDC_SCOPES).toEqual(['openid', 'groups', 'offline_access']);
  });

  it.each([
    [
      { REMIT_OIDC_CLIENT_SECRET: 'console-secret' },
      'REMIT_OIDC_CLIENT_SECRET: only used with REMIT_OIDC_CLIENT_ID, the console’s client id; set that too, or unset this (value hidden)',
    ],
    [
      { ...idp, REMIT_OIDC_CLIENT_SECRET: 'console-secret' },
      expect.stringMatching(/^REMIT_OIDC_CLIENT_SECRET: only used with REMIT_OIDC_CLIENT_ID.*\(value hidden\)$/),
    ],
    [
      { REMIT_OIDC_CLIENT_ID: 'remit-console' },
      expect.stringMatching(/^REMIT_OIDC_CLIENT_ID: only used with REMIT_OIDC_ISSUER, .*development issuer \(got "remit-console"\)$/),
    ],
    [
      { ...client, REMIT_OIDC_ISSUER: 'http://idp.example.com' },
      expect.stringMatching(/^REMIT_OIDC_ISSUER: must be an https:\/\/ URL when REMIT_OIDC_CLIENT_ID is set/),
    ],
    [{ ...client, REMIT_OIDC_SCOPES: 'email profile' }, expect.stringMatching(/^REMIT_OIDC_SCOPES: must include openid/)],
    [{ ...client, REMIT_OIDC_SCOPES: 'openid "email"' }, expect.stringMatching(/^REMIT_OIDC_SCOPES: expected scope names separated by spaces/)],
  ])('refuses a console sign-in setting that cannot work: %o', (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it('keeps an http issuer for bearer tokens alone: https is required only for the console’s sign-in', () => {
    expect(problems({ REMIT_OIDC_ISSUER: 'http://idp.internal', REMIT_OIDC_JWKS_URL: 'http://idp.internal/jwks' })).toEqual([]);
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::0:1', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', '::ffff:10.0.0.1', '::2', '1::1', '128.0.0.1', 'localhost.example.com', '127.0.0.1.nip.io', 'example.com', ''])(
    '%s is not',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('database logins', () => {
  it('takes the owner from DATABASE_URL and the request login from REMIT_DATABASE_APP_URL', () => {
    const config = parseConfig({ DATABASE_URL: ownerUrl, REMIT_DATABASE_APP_URL: 'postgres://remit_app:pw@db.internal:5432/remit', REMIT_DEV_ISSUER: '1' });
    expect(config).toMatchObject({ DATABASE_URL: ownerUrl, REMIT_DATABASE_APP_URL: 'postgres://remit_app:pw@db.internal:5432/remit' });
  });

  it('takes the request login alone (requests only: the migrations task holds the owner login)', () => {
    const appUrl = 'postgres://remit_app:pw@db.internal:5432/remit';
    const config = parseConfig({ REMIT_DATABASE_APP_URL: appUrl, REMIT_DEV_ISSUER: '1' });
    expect(config.REMIT_DATABASE_APP_URL).toBe(appUrl);
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('counts the request login alone as a deployment: the development issuer is not the default there', () => {
    expect(problems({ REMIT_DATABASE_APP_URL: 'postgres://remit_app@db.internal/remit' })).toEqual([
      expect.stringMatching(/^REMIT_OIDC_ISSUER: required because REMIT_DATABASE_APP_URL is set; .*REMIT_DEV_ISSUER=1/),
    ]);
  });

  it.each([
    [
      { DATABASE_URL: ownerUrl, REMIT_DATABASE_APP_URL: 'postgres://remit_owner:other@db.internal/remit' },
      'REMIT_DATABASE_APP_URL: must log in as a different role than DATABASE_URL: the owner can switch row-level security off, so requests never use its login (value hidden)',
    ],
    [
      { DATABASE_URL: ownerUrl, DATABASE_OWNER_URL: ownerUrl },
      'DATABASE_OWNER_URL: no longer read: DATABASE_URL is now the owner login and REMIT_DATABASE_APP_URL the request login (value hidden)',
    ],
  ])('refuses requests on the owner’s login, or a setting that no longer means what it did: %o', (env, message) => {
    expect(problems({ ...env, REMIT_DEV_ISSUER: '1' })).toEqual([message]);
  });
});

describe('model prices, checked at start', () => {
  const openai = {
    REMIT_MODEL_PROVIDER: 'openai-compatible',
    REMIT_OPENAI_BASE_URL: 'http://10.0.5.20:8000/v1',
    REMIT_OPENAI_MODEL: 'Qwen/Qwen2.5-72B-Instruct',
  };

  it.each([
    [openai, 'Qwen/Qwen2.5-72B-Instruct', 'REMIT_OPENAI_MODEL'],
    [
      { REMIT_MODEL_PROVIDER: 'bedrock', REMIT_BEDROCK_REGION: 'us-east-1', REMIT_BEDROCK_MODEL_ID: 'meta.llama3-70b-instruct-v1:0' },
      'meta.llama3-70b-instruct-v1:0',
      'REMIT_BEDROCK_MODEL_ID',
    ],
  ])('stops a model with no price, naming REMIT_MODEL_PRICES and how to set it: %o', (env, model, variable) => {
    const [problem, ...rest] = problems(env);
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      new RegExp(`^REMIT_MODEL_PRICES: has no price for model "${model.replace(/[.]/g, '\\.')}" \\(${variable}\\), so its calls cannot be metered;`),
    );
    // The example it prints is a value that works.
    const example = /REMIT_MODEL_PRICES='(.*)'$/.exec(problem!)?.[1];
    expect(parseConfig({ ...env, REMIT_MODEL_PRICES: example })).toMatchObject({ REMIT_MODEL_PRICES: { [model]: { inputPerMTok: 0, outputPerMTok: 0 } } });
  });

  it('accepts a priced model: by its prefix, and the default Bedrock model by the built-in prices', () => {
    expect(problems({ ...openai, REMIT_MODEL_PRICES: '{"Qwen/": {"inputPerMTok": 0.2, "outputPerMTok": 0.6}}' })).toEqual([]);
    expect(problems({ REMIT_MODEL_PROVIDER: 'bedrock', REMIT_BEDROCK_REGION: 'us-east-1' })).toEqual([]);
    expect(
      problems({ REMIT_MODEL_PROVIDER: 'bedrock', REMIT_BEDROCK_REGION: 'us-east-1', REMIT_BEDROCK_MODEL_ID: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0' }),
    ).toEqual([]);
  });
});

describe('the secret store', () => {
  it('is the local vault by default; Secrets Manager needs the KMS key, and a prefix of path segments', () => {
    expect(parseConfig({}).REMIT_SECRET_STORE).toBe('local');
    expect(problems({ REMIT_SECRET_STORE: 'aws-secrets-manager' })).toEqual([
      'REMIT_SECRETS_KMS_KEY_ID: required when REMIT_SECRET_STORE is aws-secrets-manager',
    ]);
    const aws = parseConfig({ REMIT_SECRET_STORE: 'aws-secrets-manager', REMIT_SECRETS_KMS_KEY_ID: 'alias/remit' });
    expect(aws).toMatchObject({ REMIT_SECRETS_NAME_PREFIX: 'remit/', REMIT_SECRETS_CACHE_TTL_MS: 30_000 });
    for (const prefix of ['remit', '/remit/', 'remit//', 'a b/']) {
      expect(problems({ REMIT_SECRETS_NAME_PREFIX: prefix })[0], prefix).toMatch(/^REMIT_SECRETS_NAME_PREFIX: expected path segments ending in \//);
    }
    expect(problems({ REMIT_SECRET_STORE: 'vault' })[0]).toMatch(/^REMIT_SECRET_STORE: /);
  });
});
