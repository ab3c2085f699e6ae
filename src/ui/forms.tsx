import type { ReactNode } from 'react';
import type { FieldErrors } from '../errors.ts';
import { usePage } from './page-context.tsx';

export type FormValues = Record<string, string | string[] | undefined>;

const str = (v: string | string[] | undefined) => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
const list = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? [v] : []);

/** A POST form with the CSRF token. Multipart forms carry the token as their first field. */
export function Form({
  action,
  children,
  multipart,
  method = 'post',
  className,
}: {
  action: string;
  children: ReactNode;
  multipart?: boolean;
  method?: 'post' | 'get';
  className?: string;
}) {
  const { csrfToken } = usePage();
  return (
    <form method={method} action={action} encType={multipart ? 'multipart/form-data' : undefined} noValidate className={className}>
      {method === 'post' && <input type="hidden" name="_csrf" value={csrfToken} />}
      {children}
    </form>
  );
}

/** GOV.UK error summary: focusable, at the top, linking to each field. */
export function ErrorSummary({ errors }: { errors?: FieldErrors }) {
  const entries = Object.entries(errors ?? {});
  if (entries.length === 0) return null;
  return (
    <div className="govuk-error-summary" data-module="govuk-error-summary">
      <div role="alert">
        <h2 className="govuk-error-summary__title">There is a problem</h2>
        <div className="govuk-error-summary__body">
          <ul className="govuk-list govuk-error-summary__list">
            {entries.map(([field, message]) => (
              <li key={field}>
                <a href={`#${fieldId(field)}`}>{message}</a>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

export const fieldId = (name: string) => `f-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;

type FieldProps = {
  name: string;
  label: string;
  hint?: ReactNode;
  errors?: FieldErrors;
  values?: FormValues;
  /** Show the label as the page heading (one-question pages). */
  asHeading?: boolean;
};

function Label({ name, label, asHeading }: Pick<FieldProps, 'name' | 'label' | 'asHeading'>) {
  const el = (
    <label className={`govuk-label${asHeading ? ' govuk-label--l' : ' govuk-label--s'}`} htmlFor={fieldId(name)}>
      {label}
    </label>
  );
  return asHeading ? <h1 className="govuk-label-wrapper">{el}</h1> : el;
}

function Hint({ name, hint }: { name: string; hint?: ReactNode }) {
  return hint ? (
    <div className="govuk-hint" id={`${fieldId(name)}-hint`}>
      {hint}
    </div>
  ) : null;
}

function ErrorMessage({ name, error }: { name: string; error?: string }) {
  return error ? (
    <p className="govuk-error-message" id={`${fieldId(name)}-error`}>
      <span className="govuk-visually-hidden">Error:</span> {error}
    </p>
  ) : null;
}

const describedBy = (name: string, hint: unknown, error: unknown) =>
  [hint ? `${fieldId(name)}-hint` : '', error ? `${fieldId(name)}-error` : ''].filter(Boolean).join(' ') || undefined;

export function TextInput({
  type = 'text',
  autoComplete,
  width,
  spellCheck,
  inputMode,
  list,
  describedBy: alsoDescribedBy,
  ...props
}: FieldProps & {
  type?: 'text' | 'email' | 'password' | 'date' | 'search' | 'number' | 'url';
  autoComplete?: string;
  width?: '5' | '10' | '20' | '30';
  spellCheck?: boolean;
  inputMode?: 'numeric' | 'email' | 'text';
  /** The id of a <datalist> of suggestions (see DirectoryList). */
  list?: string;
  /** Ids of other elements that describe the field too (a hint shared by several fields). */
  describedBy?: string;
}) {
  const error = props.errors?.[props.name];
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <Label {...props} />
      <Hint name={props.name} hint={props.hint} />
      <ErrorMessage name={props.name} error={error} />
      <input
        className={`govuk-input${width ? ` govuk-input--width-${width}` : ''}${error ? ' govuk-input--error' : ''}`}
        id={fieldId(props.name)}
        name={props.name}
        type={type}
        defaultValue={type === 'password' ? undefined : str(props.values?.[props.name])}
        autoComplete={autoComplete}
        spellCheck={spellCheck}
        inputMode={inputMode}
        list={list}
        aria-describedby={[alsoDescribedBy, describedBy(props.name, props.hint, error)].filter(Boolean).join(' ') || undefined}
      />
    </div>
  );
}

/**
 * The directory as a <datalist>: a TextInput with `list={id}` offers "Full Name (email)" as people
 * type, and stays a plain text box without it (the service finds the person by the email in
 * brackets, an email, or a unique full name: findPersonByReference).
 */
export function DirectoryList({ id, people }: { id: string; people: { fullName: string; email: string }[] }) {
  return (
    <datalist id={id}>
      {people.map((p) => (
        <option key={p.email} value={`${p.fullName} (${p.email})`} />
      ))}
    </datalist>
  );
}

export function Textarea(props: FieldProps & { rows?: number }) {
  const error = props.errors?.[props.name];
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <Label {...props} />
      <Hint name={props.name} hint={props.hint} />
      <ErrorMessage name={props.name} error={error} />
      <textarea
        className={`govuk-textarea${error ? ' govuk-textarea--error' : ''}`}
        id={fieldId(props.name)}
        name={props.name}
        rows={props.rows ?? 5}
        defaultValue={str(props.values?.[props.name])}
        aria-describedby={describedBy(props.name, props.hint, error)}
      />
    </div>
  );
}

export type Option = { value: string; label: string };

export function Select(props: FieldProps & { options: Option[]; emptyLabel?: string }) {
  const error = props.errors?.[props.name];
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <Label {...props} />
      <Hint name={props.name} hint={props.hint} />
      <ErrorMessage name={props.name} error={error} />
      <select
        className={`govuk-select${error ? ' govuk-select--error' : ''}`}
        id={fieldId(props.name)}
        name={props.name}
        defaultValue={str(props.values?.[props.name])}
        aria-describedby={describedBy(props.name, props.hint, error)}
      >
        {props.emptyLabel !== undefined && <option value="">{props.emptyLabel}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function Fieldset({
  legend,
  asHeading,
  children,
  name,
  hint,
  error,
}: {
  legend: string;
  asHeading?: boolean;
  children: ReactNode;
  name: string;
  hint?: ReactNode;
  error?: string;
}) {
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <fieldset className="govuk-fieldset" aria-describedby={describedBy(name, hint, error)}>
        <legend className={`govuk-fieldset__legend ${asHeading ? 'govuk-fieldset__legend--l' : 'govuk-fieldset__legend--s'}`}>
          {asHeading ? <h1 className="govuk-fieldset__heading">{legend}</h1> : legend}
        </legend>
        <Hint name={name} hint={hint} />
        <ErrorMessage name={name} error={error} />
        {children}
      </fieldset>
    </div>
  );
}

export function Radios(props: FieldProps & { options: (Option & { hint?: string })[]; inline?: boolean }) {
  const error = props.errors?.[props.name];
  const current = str(props.values?.[props.name]);
  return (
    <Fieldset legend={props.label} asHeading={props.asHeading} name={props.name} hint={props.hint} error={error}>
      <div className={`govuk-radios${props.inline ? ' govuk-radios--inline' : ''}`} data-module="govuk-radios">
        {props.options.map((o, i) => {
          const id = i === 0 ? fieldId(props.name) : `${fieldId(props.name)}-${i + 1}`;
          return (
            <div className="govuk-radios__item" key={o.value}>
              <input
                className="govuk-radios__input"
                id={id}
                name={props.name}
                type="radio"
                value={o.value}
                defaultChecked={current === o.value}
                aria-describedby={o.hint ? `${id}-item-hint` : undefined}
              />
              <label className="govuk-label govuk-radios__label" htmlFor={id}>
                {o.label}
              </label>
              {o.hint && (
                <div id={`${id}-item-hint`} className="govuk-hint govuk-radios__hint">
                  {o.hint}
                </div>
              )}
            </div>
          );
        })}
      </div>
    </Fieldset>
  );
}

export function Checkboxes(props: FieldProps & { options: (Option & { hint?: string })[]; small?: boolean }) {
  const error = props.errors?.[props.name];
  const current = new Set(list(props.values?.[props.name]));
  return (
    <Fieldset legend={props.label} asHeading={props.asHeading} name={props.name} hint={props.hint} error={error}>
      <div className={`govuk-checkboxes${props.small ? ' govuk-checkboxes--small' : ''}`} data-module="govuk-checkboxes">
        {props.options.map((o, i) => {
          const id = i === 0 ? fieldId(props.name) : `${fieldId(props.name)}-${i + 1}`;
          return (
            <div className="govuk-checkboxes__item" key={o.value}>
              <input
                className="govuk-checkboxes__input"
                id={id}
                name={props.name}
                type="checkbox"
                value={o.value}
                defaultChecked={current.has(o.value)}
                aria-describedby={o.hint ? `${id}-item-hint` : undefined}
              />
              <label className="govuk-label govuk-checkboxes__label" htmlFor={id}>
                {o.label}
              </label>
              {o.hint && (
                <div id={`${id}-item-hint`} className="govuk-hint govuk-checkboxes__hint">
                  {o.hint}
                </div>
              )}
            </div>
          );
        })}
      </div>
    </Fieldset>
  );
}

export function FileUpload(props: FieldProps & { accept?: string }) {
  const error = props.errors?.[props.name];
  return (
    <div className={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
      <Label {...props} />
      <Hint name={props.name} hint={props.hint} />
      <ErrorMessage name={props.name} error={error} />
      <input
        className={`govuk-file-upload${error ? ' govuk-file-upload--error' : ''}`}
        id={fieldId(props.name)}
        name={props.name}
        type="file"
        accept={props.accept}
        aria-describedby={describedBy(props.name, props.hint, error)}
      />
    </div>
  );
}

export function Button({
  children,
  secondary,
  warning,
  name,
  value,
}: {
  children: ReactNode;
  secondary?: boolean;
  warning?: boolean;
  name?: string;
  value?: string;
}) {
  return (
    <button
      type="submit"
      className={`govuk-button${secondary ? ' govuk-button--secondary' : ''}${warning ? ' govuk-button--warning' : ''}`}
      data-module="govuk-button"
      name={name}
      value={value}
    >
      {children}
    </button>
  );
}

export function ButtonGroup({ children }: { children: ReactNode }) {
  return <div className="govuk-button-group">{children}</div>;
}

export function CancelLink({ href, children = 'Cancel' }: { href: string; children?: ReactNode }) {
  return (
    <a className="govuk-link" href={href}>
      {children}
    </a>
  );
}

/**
 * GOV.UK date input: day, month and year boxes named `<name>-day`, `<name>-month`, `<name>-year`.
 * The route joins them with `joinDateParts` before validation, so errors are reported on `<name>`.
 */
export function DateInput(props: FieldProps) {
  const error = props.errors?.[props.name];
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(str(props.values?.[props.name]));
  const part = (key: 'day' | 'month' | 'year') => {
    const given = props.values?.[`${props.name}-${key}`];
    if (given !== undefined) return str(given);
    if (!iso) return '';
    return key === 'day' ? String(Number(iso[3])) : key === 'month' ? String(Number(iso[2])) : (iso[1] ?? '');
  };
  const box = (key: 'day' | 'month' | 'year', label: string, width: '2' | '4') => {
    const id = key === 'day' ? fieldId(props.name) : `${fieldId(props.name)}-${key}`;
    return (
      <div className="govuk-date-input__item">
        <div className="govuk-form-group">
          <label className="govuk-label govuk-date-input__label" htmlFor={id}>
            {label}
          </label>
          <input
            className={`govuk-input govuk-date-input__input govuk-input--width-${width}${error ? ' govuk-input--error' : ''}`}
            id={id}
            name={`${props.name}-${key}`}
            type="text"
            inputMode="numeric"
            defaultValue={part(key)}
          />
        </div>
      </div>
    );
  };
  return (
    <Fieldset legend={props.label} asHeading={props.asHeading} name={props.name} hint={props.hint} error={error}>
      <div className="govuk-date-input" id={`${fieldId(props.name)}-group`}>
        {box('day', 'Day', '2')}
        {box('month', 'Month', '2')}
        {box('year', 'Year', '4')}
      </div>
    </Fieldset>
  );
}
