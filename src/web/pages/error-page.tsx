import { ForbiddenError, NotFoundError } from '../../errors.ts';
import { Layout } from '../../ui/layout.tsx';

const TITLES: Record<number, string> = {
  400: 'Sorry, there is a problem with what was sent',
  401: 'Sign in to continue',
  403: 'You do not have permission to see this page',
  404: 'Page not found',
  413: 'That was too large',
  422: 'There is a problem',
  429: 'Too many attempts',
  500: 'Sorry, there is a problem with the service',
  503: 'Sorry, the service is unavailable',
};

/** Default messages that only repeat the heading in other words. */
const GENERIC = new Set([new ForbiddenError().message, new NotFoundError().message]);

export function ErrorPage({ status, message }: { status: number; message: string }) {
  const title = TITLES[status] ?? (status >= 500 ? TITLES[500] : 'There is a problem');
  return (
    <Layout title={title ?? 'Error'}>
      <h1 className="govuk-heading-l">{title}</h1>
      {message !== title && !GENERIC.has(message) && <p className="govuk-body">{message}</p>}
      {status === 404 && (
        <p className="govuk-body">If you typed the web address, check it is correct. If you pasted it, check you copied the entire address.</p>
      )}
      {status === 403 && <p className="govuk-body">If you think you should have access, ask your trust administrator.</p>}
      {status >= 500 && <p className="govuk-body">Try again later. Nothing you entered has been saved unless you saw a confirmation.</p>}
      <p className="govuk-body">
        <a className="govuk-link" href="/">
          Go to the home page
        </a>
      </p>
    </Layout>
  );
}
