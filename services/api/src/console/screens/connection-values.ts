import { OAuthSettings, connectionConfigSchemas, type Connection, type ConnectionSecret, type ConnectionType } from '@remit/core';
import { numberInput, wordsIn, type PostedForm } from './form-input.ts';

/**
 * A connection's form as typed, without its secrets: this is all a refused form is rendered
 * again from, so no secret can come back in a page. Secrets travel only in what `postedSecret` returns, straight to the API.
 */
export interface ConnectionForm {
  name: string;
  type: ConnectionType;
  description: string;
  authMode: string;
  baseUrl: string;
  scheme: string;
  headerName: string;
  verifyPath: string;
  apiUrl: string;
  githubAuth: string;
  appId: string;
  installationId: string;
  roleArn: string;
  externalId: string;
  region: string;
  allowPrivateCidrs: string;
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  scopes: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

export function emptyForm(type: ConnectionType): ConnectionForm {
  return {
    name: '',
    type,
    description: '',
    authMode: 'service_account',
    baseUrl: '',
    scheme: 'bearer',
    headerName: '',
    verifyPath: '/',
    apiUrl: 'https://api.github.com',
    githubAuth: 'token',
    appId: '',
    installationId: '',
    roleArn: '',
    externalId: '',
    region: '',
    allowPrivateCidrs: '',
    authorizeUrl: '',
    tokenUrl: '',
    clientId: '',
    scopes: '',
  };
}

export function fromConnection(c: Connection): ConnectionForm {
  const cfg = c.config;
  const httpAuth = (c.type === 'http' && typeof cfg.auth === 'object' && cfg.auth !== null ? cfg.auth : {}) as Record<string, unknown>;
  return {
    ...emptyForm(c.type),
    name: c.name,
    description: c.description,
    authMode: c.authMode,
    baseUrl: str(cfg.baseUrl),
    scheme: str(httpAuth.scheme) || 'none',
    headerName: str(httpAuth.headerName),
    verifyPath: str(cfg.verifyPath),
    apiUrl: str(cfg.apiUrl),
    githubAuth: c.type === 'github' ? str(cfg.auth) || 'token' : 'token',
    appId: str(cfg.appId),
    installationId: str(cfg.installationId),
    roleArn: str(cfg.roleArn),
    externalId: str(cfg.externalId),
    region: str(cfg.region),
    allowPrivateCidrs: Array.isArray(cfg.allowPrivateCidrs) ? cfg.allowPrivateCidrs.map(str).join(', ') : '',
    authorizeUrl: c.oauth?.authorizeUrl ?? '',
    tokenUrl: c.oauth?.tokenUrl ?? '',
    clientId: c.oauth?.clientId ?? '',
    scopes: c.oauth?.scopes.join(' ') ?? '',
  };
}

export function fromPost(f: PostedForm, fixed: { name: string; type: ConnectionType }): ConnectionForm {
  const keys = Object.keys(emptyForm('http')) as (keyof ConnectionForm)[];
  const typed = Object.fromEntries(keys.map((k) => [k, f.text(k)])) as unknown as ConnectionForm;
  return { ...typed, ...fixed };
}

/** The secret fields as posted; the empty ones are absent, and none posted means "keep the stored one". */
export function postedSecret(f: PostedForm): ConnectionSecret | undefined {
  const secret: ConnectionSecret = {};
  // Pasted tokens and keys often carry a trailing newline; a password is taken exactly as typed.
  for (const k of ['token', 'username', 'privateKey', 'clientSecret'] as const) if (f.raw(`secret-${k}`).trim()) secret[k] = f.raw(`secret-${k}`).trim();
  if (f.raw('secret-password')) secret.password = f.raw('secret-password');
  return Object.keys(secret).length > 0 ? secret : undefined;
}

/** The config as the API takes it for this type, from the form as typed (the API validates it). */
export function configOf(v: ConnectionForm): Record<string, unknown> {
  const allowPrivateCidrs = wordsIn(v.allowPrivateCidrs);
  if (v.type === 'http') {
    const auth = { scheme: v.scheme, ...(v.scheme === 'header' && v.headerName ? { headerName: v.headerName } : {}) };
    return { baseUrl: v.baseUrl, auth, verifyPath: v.verifyPath || undefined, allowPrivateCidrs };
  }
  if (v.type === 'github') {
    const app = v.githubAuth === 'app' ? { appId: numberInput(v.appId), installationId: numberInput(v.installationId) } : {};
    return { apiUrl: v.apiUrl || undefined, auth: v.githubAuth, ...app, allowPrivateCidrs };
  }
  return { roleArn: v.roleArn, externalId: v.externalId || undefined, region: v.region };
}

export function oauthOf(v: ConnectionForm): Record<string, unknown> | undefined {
  if (v.authMode !== 'oauth_user') return undefined;
  return { authorizeUrl: v.authorizeUrl, tokenUrl: v.tokenUrl, clientId: v.clientId, scopes: wordsIn(v.scopes) };
}

/** JSON with sorted keys: two configs are the same when these match. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The PATCH for an edit: only what changed. Config, auth mode, OAuth settings or a secret in a
 * patch make the API check the connection live again, so a description alone saves without one.
 */
export function patchOf(current: Connection, v: ConnectionForm, secret: ConnectionSecret | undefined): Record<string, unknown> {
  const patch: Record<string, unknown> = { description: v.description };
  if (v.authMode !== current.authMode) patch.authMode = v.authMode;
  const config = configOf(v);
  const parsed = connectionConfigSchemas[current.type].safeParse(config);
  if (!parsed.success || stable(parsed.data) !== stable(current.config)) patch.config = config;
  const oauth = oauthOf(v);
  if (oauth) {
    const o = OAuthSettings.safeParse(oauth);
    if (!o.success || stable(o.data) !== stable(current.oauth)) patch.oauth = oauth;
  }
  if (secret) patch.secret = secret;
  return patch;
}
