import type { FieldErrors } from '../../errors.ts';
import { Button, ErrorSummary, Form, type FormValues, TextInput } from '../../ui/forms.tsx';
import { Layout } from '../../ui/layout.tsx';
import type { LinkState } from './service.ts';

export type Persona = { personId: string; label: string; name: string; email: string };

export function SignInPage({ errors, values, next, personas }: { errors?: FieldErrors; values?: FormValues; next?: string; personas?: Persona[] }) {
  return (
    <Layout title={errors ? 'Error: Sign in' : 'Sign in'}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">Sign in to Countersign</h1>
          <p className="govuk-body">Enter your work email address. We will email you a link that signs you in. The link works once, for 15 minutes.</p>
          <Form action="/sign-in">
            {next && <input type="hidden" name="next" value={next} />}
            <TextInput name="email" label="Work email address" type="email" autoComplete="email" spellCheck={false} errors={errors} values={values} />
            <Button>Email me a sign-in link</Button>
          </Form>
          <p className="govuk-body">
            <a className="govuk-link" href={`/sign-in/password${next ? `?next=${encodeURIComponent(next)}` : ''}`}>
              Administrators: sign in with a password
            </a>
          </p>
          {personas && personas.length > 0 && <DemoPersonas personas={personas} />}
        </div>
      </div>
    </Layout>
  );
}

function DemoPersonas({ personas }: { personas: Persona[] }) {
  return (
    <section className="govuk-!-margin-top-8" aria-labelledby="demo-personas">
      <h2 className="govuk-heading-m" id="demo-personas">
        Try the demo as someone
      </h2>
      <p className="govuk-body">
        This installation runs the demo trust. Choose a person to sign in as them: it uses the same sign-in link a real user would get by email.
      </p>
      <ul className="govuk-list">
        {personas.map((p) => (
          <li key={p.personId}>
            <Form action="/demo/sign-in" className="cs-inline-form">
              <input type="hidden" name="personId" value={p.personId} />
              <button type="submit" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-2">
                {p.label}: {p.name}
              </button>
            </Form>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function CheckEmailPage({ email, demo }: { email: string; demo: boolean }) {
  return (
    <Layout title="Check your email">
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <h1 className="govuk-heading-l">Check your email</h1>
          <p className="govuk-body">
            If <strong>{email}</strong> belongs to someone at a school or trust using Countersign, we have sent a sign-in link to it.
          </p>
          <p className="govuk-body">The link works once and stops working after 15 minutes. Check your junk folder if it has not arrived in a few minutes.</p>
          {demo && (
            <div className="govuk-inset-text">
              This is a demo, so no email is sent.{' '}
              <a className="govuk-link" href={`/demo/mailbox?to=${encodeURIComponent(email)}`}>
                Open the demo mailbox for this address
              </a>
              .
            </div>
          )}
          <p className="govuk-body">
            <a className="govuk-link" href="/sign-in">
              Use a different email address
            </a>
          </p>
        </div>
      </div>
    </Layout>
  );
}

const LINK_PROBLEMS: Record<Exclude<LinkState, 'valid'>, string> = {
  used: 'This sign-in link has already been used. Each link works once.',
  expired: 'This sign-in link has expired. Links stop working after 15 minutes.',
  unknown: 'This sign-in link is not valid. Check you used the whole link from the latest email.',
};

export function LinkPage({ token, state }: { token: string; state: LinkState }) {
  if (state !== 'valid') {
    return (
      <Layout title="Sign-in link not valid">
        <h1 className="govuk-heading-l">That link did not work</h1>
        <p className="govuk-body">{LINK_PROBLEMS[state]}</p>
        <p className="govuk-body">
          <a className="govuk-link" href="/sign-in">
            Get a new sign-in link
          </a>
        </p>
      </Layout>
    );
  }
  // A button, not an automatic sign-in: mail scanners that open links must not use them up.
  return (
    <Layout title="Sign in">
      <h1 className="govuk-heading-l">Sign in to Countersign</h1>
      <Form action="/sign-in/link">
        <input type="hidden" name="token" value={token} />
        <Button>Sign in</Button>
      </Form>
    </Layout>
  );
}

export function PasswordPage({ errors, values, next }: { errors?: FieldErrors; values?: FormValues; next?: string }) {
  return (
    <Layout title={errors ? 'Error: Sign in with a password' : 'Sign in with a password'}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">Sign in with a password</h1>
          <p className="govuk-body">For administrators who have set a password. Everyone else signs in with an email link.</p>
          <Form action="/sign-in/password">
            {next && <input type="hidden" name="next" value={next} />}
            <TextInput name="email" label="Work email address" type="email" autoComplete="username" spellCheck={false} errors={errors} values={values} />
            <TextInput name="password" label="Password" type="password" autoComplete="current-password" errors={errors} values={values} />
            <Button>Sign in</Button>
          </Form>
          <p className="govuk-body">
            <a className="govuk-link" href="/sign-in">
              Sign in with an email link instead
            </a>
          </p>
        </div>
      </div>
    </Layout>
  );
}
