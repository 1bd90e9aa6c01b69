import { ConnectionType } from '@remit/core';
import { CsrfField } from '../components.tsx';
import type { ConsoleUser } from '../console-env.ts';
import type { ConnectionForm } from './connection-values.ts';
import { ApiErrorAlert, SecretField, SelectField, TextArea, TextField } from './form-fields.tsx';
import { segment, type Failure } from './form-input.ts';

export const TYPE_LABELS: Record<ConnectionType, string> = { http: 'HTTP API', github: 'GitHub', aws: 'AWS account' };

function TypeFields({ v }: { v: ConnectionForm }) {
  const cidrs = (
    <TextField
      id="conn-cidrs"
      name="allowPrivateCidrs"
      label="Private ranges allowed"
      hint="CIDRs, comma-separated, for a system on a private network (e.g. 10.20.0.0/16); cloud metadata addresses are never allowed"
      value={v.allowPrivateCidrs}
    />
  );
  if (v.type === 'http') {
    return (
      <fieldset>
        <legend>HTTP API</legend>
        <TextField
          id="conn-base-url"
          name="baseUrl"
          type="url"
          label="Base URL"
          hint="https://…; requests may reach only paths under it"
          value={v.baseUrl}
          required
        />
        <SelectField
          id="conn-scheme"
          name="scheme"
          label="Authentication"
          value={v.scheme}
          options={[
            { value: 'none', label: 'None' },
            { value: 'bearer', label: 'Bearer token (Authorization header)' },
            { value: 'header', label: 'Token in a named header' },
            { value: 'basic', label: 'Basic (username and password)' },
          ]}
        />
        <TextField id="conn-header-name" name="headerName" label="Header name" hint="for “Token in a named header”; default x-api-key" value={v.headerName} />
        <TextField
          id="conn-verify-path"
          name="verifyPath"
          label="Verify path"
          hint="GET here must answer below 400 for the connection to count as working"
          value={v.verifyPath}
        />
        {cidrs}
      </fieldset>
    );
  }
  if (v.type === 'github') {
    return (
      <fieldset>
        <legend>GitHub</legend>
        <TextField
          id="conn-api-url"
          name="apiUrl"
          type="url"
          label="API URL"
          hint="https://api.github.com, or your GitHub Enterprise Server’s /api/v3"
          value={v.apiUrl}
        />
        <SelectField
          id="conn-github-auth"
          name="githubAuth"
          label="Authentication"
          value={v.githubAuth}
          options={[
            { value: 'token', label: 'Token' },
            { value: 'app', label: 'GitHub App installation' },
          ]}
        />
        <TextField id="conn-app-id" name="appId" label="App id" hint="for a GitHub App" value={v.appId} />
        <TextField id="conn-installation-id" name="installationId" label="Installation id" hint="for a GitHub App" value={v.installationId} />
        {cidrs}
      </fieldset>
    );
  }
  return (
    <fieldset>
      <legend>AWS account</legend>
      <TextField
        id="conn-role-arn"
        name="roleArn"
        label="Role ARN"
        hint="the role Remit assumes; each run gets short-lived keys for it alone"
        value={v.roleArn}
        required
      />
      <TextField id="conn-external-id" name="externalId" label="External id" hint="optional, as the role’s trust policy requires" value={v.externalId} />
      <TextField id="conn-region" name="region" label="Region" hint="e.g. eu-west-1" value={v.region} required />
    </fieldset>
  );
}

function SecretFields({ type, stored }: { type: ConnectionType; stored: boolean }) {
  if (type === 'aws') return null;
  return (
    <fieldset>
      <legend>Credentials (service account)</legend>
      <p class="hint">
        Write-only: never shown again.{' '}
        {stored ? 'Leave every field empty to keep the stored credentials; to replace them, fill in all that this connection needs.' : ''}
      </p>
      <SecretField
        id="conn-secret-token"
        name="secret-token"
        label="Token"
        stored={stored}
        when={type === 'http' ? 'Needed for bearer and named-header authentication.' : 'Needed for token authentication.'}
      />
      {type === 'http' ? (
        <>
          <SecretField id="conn-secret-username" name="secret-username" label="Username" stored={stored} when="Needed for basic authentication." />
          <SecretField id="conn-secret-password" name="secret-password" label="Password" stored={stored} when="Needed for basic authentication." />
        </>
      ) : (
        <SecretField
          id="conn-secret-private-key"
          name="secret-privateKey"
          label="Private key (PEM)"
          stored={stored}
          when="Needed for a GitHub App."
          multiline
        />
      )}
    </fieldset>
  );
}

/** The create or edit form for one connection type; secret inputs are always rendered empty. */
export function ConnectionFormView(props: {
  user: ConsoleUser;
  mode: 'create' | 'edit';
  values: ConnectionForm;
  hasSecret: boolean;
  failure?: Failure | undefined;
}) {
  const { values: v, mode } = props;
  const action = mode === 'create' ? `/console/connections/new?type=${v.type}` : `/console/connections/${segment(v.name)}/edit`;
  return (
    <section id="connection-form">
      {props.failure ? <ApiErrorAlert status={props.failure.status} error={props.failure.error} /> : null}
      <form method="post" action={action} class="stack resource" hx-post={action} hx-target="#connection-form" hx-swap="outerHTML">
        <CsrfField user={props.user} />
        <input type="hidden" name="type" value={v.type} />
        <TextField
          id="conn-name"
          name="name"
          label="Name"
          hint={mode === 'create' ? 'lowercase letters, digits and dashes; the model names the connection by it' : 'cannot be changed'}
          value={v.name}
          required
          readonly={mode === 'edit'}
        />
        <TextArea
          id="conn-description"
          name="description"
          label="Description"
          hint="what it is and what it may be used for; the model reads it"
          value={v.description}
        />
        <SelectField
          id="conn-auth-mode"
          name="authMode"
          label="Auth mode"
          hint="service account: credentials stored here; OAuth user: each user’s own authorization"
          value={v.authMode}
          options={[
            { value: 'service_account', label: 'Service account' },
            { value: 'oauth_user', label: 'OAuth user' },
          ]}
        />
        <TypeFields v={v} />
        <SecretFields type={v.type} stored={props.hasSecret} />
        <fieldset>
          <legend>OAuth (for the OAuth user auth mode)</legend>
          <TextField id="conn-authorize-url" name="authorizeUrl" type="url" label="Authorize URL" value={v.authorizeUrl} />
          <TextField id="conn-token-url" name="tokenUrl" type="url" label="Token URL" value={v.tokenUrl} />
          <TextField id="conn-client-id" name="clientId" label="Client id" value={v.clientId} />
          <TextField id="conn-scopes" name="scopes" label="Scopes" hint="space-separated" value={v.scopes} />
          <SecretField
            id="conn-secret-client-secret"
            name="secret-clientSecret"
            label="Client secret"
            stored={props.hasSecret}
            when="Needed for the OAuth user auth mode."
          />
        </fieldset>
        <div class="actions">
          <button type="submit">{mode === 'create' ? 'Verify and create' : 'Save'}</button>
          <a href="/console/connections">Cancel</a>
        </div>
        <p class="hint">Remit checks the connection live before it saves it; nothing is saved if the check fails.</p>
      </form>
    </section>
  );
}

/** Choosing the type reloads the form with that type's fields: a GET form of its own, so no secret can ride along. */
export function TypeChooser({ type }: { type: ConnectionType }) {
  return (
    <form method="get" action="/console/connections/new" class="filters">
      <label for="conn-type">
        Type
        <select
          id="conn-type"
          name="type"
          hx-get="/console/connections/new"
          hx-trigger="change"
          hx-target="#connection-form"
          hx-select="#connection-form"
          hx-swap="outerHTML"
          hx-push-url="true"
        >
          {ConnectionType.options.map((t) => (
            <option value={t} selected={t === type}>
              {TYPE_LABELS[t]}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="secondary">
        Show its fields
      </button>
    </form>
  );
}
