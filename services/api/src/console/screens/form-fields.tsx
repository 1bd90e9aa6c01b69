/**
 * Labelled form controls for the admin screens: every control sits inside its <label for=…>,
 * with its hint in the label's <small>, so the hint is read with it.
 */

interface FieldProps {
  id: string;
  name: string;
  label: string;
  hint?: string | undefined;
  value?: string | undefined;
  required?: boolean;
}

export function TextField(props: FieldProps & { type?: 'text' | 'url' | 'email'; placeholder?: string; autocomplete?: string; readonly?: boolean }) {
  return (
    <label for={props.id}>
      {props.label} {props.hint ? <small>{props.hint}</small> : null}
      <input
        id={props.id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        required={props.required}
        readonly={props.readonly}
        placeholder={props.placeholder}
        autocomplete={props.autocomplete ?? 'off'}
      />
    </label>
  );
}

export function TextArea(props: FieldProps & { rows?: number }) {
  return (
    <label for={props.id}>
      {props.label} {props.hint ? <small>{props.hint}</small> : null}
      <textarea id={props.id} name={props.name} rows={props.rows ?? 3} required={props.required}>
        {props.value ?? ''}
      </textarea>
    </label>
  );
}

export function NumberField(props: FieldProps & { min?: number; max?: number }) {
  return (
    <label for={props.id}>
      {props.label} {props.hint ? <small>{props.hint}</small> : null}
      <input
        id={props.id}
        name={props.name}
        type="number"
        inputmode="numeric"
        step="1"
        min={props.min}
        max={props.max}
        value={props.value ?? ''}
        required={props.required}
      />
    </label>
  );
}

export function SelectField(props: FieldProps & { options: readonly { value: string; label: string }[] }) {
  return (
    <label for={props.id}>
      {props.label} {props.hint ? <small>{props.hint}</small> : null}
      <select id={props.id} name={props.name} required={props.required}>
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Several choices of one field (`name` repeats); `legend` names the group for screen readers. */
export function CheckboxGroup(props: {
  idPrefix: string;
  name: string;
  legend: string;
  hint?: string;
  options: readonly { value: string; label?: string }[];
  checked: readonly string[];
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
      {props.options.length === 0 ? <p class="muted">None yet.</p> : null}
      {props.options.map((o) => (
        <label class="check" for={`${props.idPrefix}-${o.value}`}>
          <input id={`${props.idPrefix}-${o.value}`} type="checkbox" name={props.name} value={o.value} checked={props.checked.includes(o.value)} />
          {o.label ?? o.value}
        </label>
      ))}
    </fieldset>
  );
}

/**
 * A write-only secret: never rendered with a value, whatever the page is re-rendered from. The
 * hint says whether one is stored, and that leaving it empty keeps it.
 */
export function SecretField(props: { id: string; name: string; label: string; stored: boolean; when: string; multiline?: boolean }) {
  const hint = props.stored ? `stored — leave empty to keep it. ${props.when}` : `write-only, never shown again. ${props.when}`;
  const placeholder = props.stored ? 'stored — leave empty to keep it' : '';
  return (
    <label for={props.id}>
      {props.label} <small>{hint}</small>
      {props.multiline ? (
        <textarea id={props.id} name={props.name} rows={4} autocomplete="off" spellcheck={false} placeholder={placeholder}></textarea>
      ) : (
        <input id={props.id} name={props.name} type="password" value="" autocomplete="new-password" placeholder={placeholder} />
      )}
    </label>
  );
}

/** What the API refused, with its status: the same message and code an API client gets. */
export function ApiErrorAlert(props: { status: number; error: { code: string; message: string } }) {
  return (
    <div class="alert error" role="alert">
      <strong>{props.error.message}</strong> <code>{props.error.code}</code> <span class="muted">(HTTP {props.status})</span>
    </div>
  );
}

/** The link to a list's next page (and back to its first), from the API's `nextCursor`. */
export function Pager(props: { base: string; param?: string; cursor: string | undefined; next: string | null; label: string }) {
  const param = props.param ?? 'cursor';
  if (!props.cursor && !props.next) return null;
  return (
    <nav class="pager" aria-label={props.label}>
      {props.cursor ? <a href={props.base}>First page</a> : null}
      {props.next ? <a href={`${props.base}?${param}=${encodeURIComponent(props.next)}`}>Next page</a> : null}
    </nav>
  );
}
