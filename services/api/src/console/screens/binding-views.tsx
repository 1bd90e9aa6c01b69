import type { Binding, GithubLink } from '@remit/core';
import type { z } from 'zod';
import { CsrfField, formatTime } from '../components.tsx';
import type { ConsoleUser } from '../console-env.ts';
import { ApiErrorAlert, SelectField, TextField } from './form-fields.tsx';
import { CHOICES_LIMIT, segment, type Choices, type Failure } from './form-input.ts';

export /** The binding form as typed. */
interface BindingValues {
  subjectKind: string;
  subject: string;
  role: string;
}

/** The GitHub link form as typed. */
export interface LinkValues {
  githubId: string;
  githubLogin: string;
  user: string;
  role: string;
}

const subjectOf = (b: Binding) => (b.subject.kind === 'group' ? b.subject.group : b.subject.email);

/** A row's delete: `label` names the row for screen readers and starts with the button's visible `text`. */
function DeleteButton(props: { user: ConsoleUser; action: string; confirm: string; text: string; label: string }) {
  return (
    <form method="post" action={props.action} hx-post={props.action} hx-target="#flash" hx-confirm={props.confirm}>
      <CsrfField user={props.user} />
      <button type="submit" class="danger" aria-label={props.label}>
        {props.text}
      </button>
    </form>
  );
}

export function BindingsTable(props: { user: ConsoleUser; bindings: Binding[] }) {
  if (props.bindings.length === 0) return <p class="muted">No bindings yet: nobody holds a role.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Role</th>
          <th scope="col">Kind</th>
          <th scope="col">Group or user</th>
          <th scope="col">Since</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {props.bindings.map((b) => (
          <tr>
            <td>
              <a href={`/console/roles/${segment(b.role)}/edit`}>{b.role}</a>
            </td>
            <td>{b.subject.kind === 'group' ? 'IdP group' : 'user'}</td>
            <td>
              <code>{subjectOf(b)}</code>
            </td>
            <td>{formatTime(b.createdAt)}</td>
            <td>
              <DeleteButton
                user={props.user}
                action={`/console/bindings/${segment(b.id)}/delete`}
                confirm={`Remove the role ${b.role} from ${subjectOf(b)}?`}
                text="Delete"
                label={`Delete the binding of ${b.role} to ${subjectOf(b)}`}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function LinksTable(props: { user: ConsoleUser; links: z.infer<typeof GithubLink>[] }) {
  if (props.links.length === 0) return <p class="muted">No GitHub accounts linked yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">GitHub login</th>
          <th scope="col">GitHub id</th>
          <th scope="col">User</th>
          <th scope="col">Review role</th>
          <th scope="col">Linked by</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {props.links.map((l) => (
          <tr>
            <td>
              <code>{l.githubLogin}</code>
            </td>
            <td>{l.githubId}</td>
            <td>{l.userEmail ?? <span class="muted">{l.userId}</span>}</td>
            <td>{l.role ?? <span class="muted">the user’s review role</span>}</td>
            <td>
              {l.linkedBy === 'oauth' ? 'the user (verified by GitHub)' : 'an admin'}, {formatTime(l.createdAt)}
            </td>
            <td>
              <DeleteButton
                user={props.user}
                action={`/console/bindings/github/${l.githubId}/delete`}
                confirm={`Unlink the GitHub account ${l.githubLogin}?`}
                text="Unlink"
                label={`Unlink ${l.githubLogin}`}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A role by name: a select of the roles offered, or a text field when there are more than a page of them. */
function RoleChoice(props: { id: string; label: string; roles: Choices; value: string; required?: boolean; none?: string }) {
  if (props.roles.more) {
    const hint = `a role’s name${props.none ? '; empty: ' + props.none.toLowerCase() : ''} (there are more than ${CHOICES_LIMIT} roles)`;
    return <TextField id={props.id} name="role" label={props.label} hint={hint} value={props.value} required={props.required ?? false} />;
  }
  const options = props.roles.names.map((r) => ({ value: r, label: r }));
  return (
    <SelectField
      id={props.id}
      name="role"
      label={props.label}
      hint={props.none ? 'optional' : undefined}
      value={props.value}
      options={props.none ? [{ value: '', label: props.none }, ...options] : options}
      required={props.required ?? false}
    />
  );
}

export function BindingForm(props: { user: ConsoleUser; roles: Choices; values: BindingValues; failure?: Failure | undefined }) {
  const v = props.values;
  return (
    <section id="binding-form">
      {props.failure ? <ApiErrorAlert status={props.failure.status} error={props.failure.error} /> : null}
      <form method="post" action="/console/bindings/new" class="stack resource" hx-post="/console/bindings/new" hx-target="#binding-form" hx-swap="outerHTML">
        <CsrfField user={props.user} />
        <SelectField
          id="binding-kind"
          name="subjectKind"
          label="Grant to"
          value={v.subjectKind}
          options={[
            { value: 'group', label: 'An IdP group' },
            { value: 'user', label: 'One user (by email)' },
          ]}
        />
        <TextField
          id="binding-subject"
          name="subject"
          label="Group name or email"
          hint="exactly as your identity provider sends it"
          value={v.subject}
          required
        />
        <RoleChoice id="binding-role" label="Role" roles={props.roles} value={v.role} required />
        <div class="actions">
          <button type="submit">Add binding</button>
        </div>
      </form>
    </section>
  );
}

export function LinkForm(props: { user: ConsoleUser; roles: Choices; values: LinkValues; failure?: Failure | undefined }) {
  const v = props.values;
  return (
    <section id="link-form">
      {props.failure ? <ApiErrorAlert status={props.failure.status} error={props.failure.error} /> : null}
      <form
        method="post"
        action="/console/bindings/github"
        class="stack resource"
        hx-post="/console/bindings/github"
        hx-target="#link-form"
        hx-swap="outerHTML"
      >
        <CsrfField user={props.user} />
        <TextField
          id="link-github-id"
          name="githubId"
          label="GitHub account id"
          hint="the numeric id: logins can be renamed, ids cannot"
          value={v.githubId}
          required
        />
        <TextField id="link-github-login" name="githubLogin" label="GitHub login" value={v.githubLogin} required />
        <TextField id="link-user" name="user" type="email" label="Remit user’s email" hint="they must have signed in once" value={v.user} required />
        <RoleChoice id="link-role" label="Review role" roles={props.roles} value={v.role} none="The user’s one role that may start reviews" />
        <div class="actions">
          <button type="submit">Link account</button>
        </div>
      </form>
    </section>
  );
}
