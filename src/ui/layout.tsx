import type { ReactNode } from 'react';
import { usePage } from './page-context.tsx';

export type Crumb = { href: string; label: string };

type LayoutProps = {
  /** The page's own title; " – Countersign" is added. Prefix "Error: " when the form has errors. */
  title: string;
  children: ReactNode;
  breadcrumbs?: Crumb[];
  /** Wider pages (tables) use the full width. */
  wide?: boolean;
};

/**
 * The header link of the page: the one whose address is the longest start of the path, so
 * /monitoring/sources marks "Monitoring sources" rather than "Monitoring alerts" (/monitoring).
 */
function activeHref(nav: { href: string }[], path: string): string | undefined {
  const matches = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  return nav
    .map((item) => item.href)
    .filter(matches)
    .sort((a, b) => b.length - a.length)[0];
}

export function Layout({ title, children, breadcrumbs }: LayoutProps) {
  const page = usePage();
  return (
    <html lang="en" className="govuk-template">
      <head>
        <meta charSet="utf-8" />
        <title>{`${title} – Countersign`}</title>
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="theme-color" content="#12355b" />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/govuk.css" />
        <link rel="stylesheet" href="/static/countersign.css" />
      </head>
      <body className="govuk-template__body">
        <script src="/static/init.js" />
        <a href="#main-content" className="govuk-skip-link" data-module="govuk-skip-link">
          Skip to main content
        </a>
        <Header />
        <div className="govuk-width-container">
          {page.demo && (
            <div className="govuk-phase-banner">
              <p className="govuk-phase-banner__content">
                <strong className="govuk-tag govuk-phase-banner__content__tag">Demo</strong>
                <span className="govuk-phase-banner__text">This is a demonstration with made-up people. Emails are kept in the outbox, not sent.</span>
              </p>
            </div>
          )}
          {breadcrumbs && breadcrumbs.length > 0 && (
            <nav className="govuk-breadcrumbs" aria-label="Breadcrumb">
              <ol className="govuk-breadcrumbs__list">
                {breadcrumbs.map((c) => (
                  <li className="govuk-breadcrumbs__list-item" key={c.href}>
                    <a className="govuk-breadcrumbs__link" href={c.href}>
                      {c.label}
                    </a>
                  </li>
                ))}
              </ol>
            </nav>
          )}
          <main className="govuk-main-wrapper" id="main-content">
            {page.flash && (
              <div
                className="govuk-notification-banner govuk-notification-banner--success"
                role="alert"
                aria-labelledby="flash-title"
                data-module="govuk-notification-banner"
              >
                <div className="govuk-notification-banner__header">
                  <h2 className="govuk-notification-banner__title" id="flash-title">
                    Success
                  </h2>
                </div>
                <div className="govuk-notification-banner__content">
                  <p className="govuk-notification-banner__heading">{page.flash}</p>
                </div>
              </div>
            )}
            {children}
          </main>
        </div>
        <footer className="govuk-footer">
          <div className="govuk-width-container">
            <div className="govuk-footer__meta">
              <div className="govuk-footer__meta-item govuk-footer__meta-item--grow">
                <p className="govuk-body-s">Countersign: acceptable use, signed and accounted for.</p>
              </div>
            </div>
          </div>
        </footer>
        <script type="module" src="/static/app.js" />
      </body>
    </html>
  );
}

function Header() {
  const page = usePage();
  const actor = page.actor?.type === 'person' ? page.actor : null;
  return (
    <>
      <header className="govuk-header cs-header" data-module="govuk-header">
        <div className="govuk-header__container govuk-width-container cs-header__container">
          <div className="govuk-header__logo">
            <a href="/" className="govuk-header__link govuk-header__link--homepage cs-brand">
              <span className="cs-brand__mark" aria-hidden="true">
                ✓
              </span>
              <span className="cs-brand__name">Countersign</span>
            </a>
          </div>
          {page.trustName && <span className="cs-header__trust">{page.trustName}</span>}
          {actor && (
            <div className="cs-header__account">
              <span className="cs-header__name">{actor.name}</span>
              <form method="post" action="/sign-out" className="cs-inline-form">
                <input type="hidden" name="_csrf" value={page.csrfToken} />
                <button type="submit" className="cs-link-button">
                  Sign out
                </button>
              </form>
            </div>
          )}
        </div>
      </header>
      {page.nav.length > 0 && (
        <div className="govuk-service-navigation" data-module="govuk-service-navigation">
          <div className="govuk-width-container">
            <div className="govuk-service-navigation__container">
              <nav aria-label="Menu" className="govuk-service-navigation__wrapper">
                <ul className="govuk-service-navigation__list" id="navigation">
                  {page.nav.map((item) => {
                    const active = item.href === activeHref(page.nav, page.path);
                    return (
                      <li key={item.href} className={`govuk-service-navigation__item${active ? ' govuk-service-navigation__item--active' : ''}`}>
                        <a className="govuk-service-navigation__link" href={item.href} aria-current={active ? 'page' : undefined}>
                          {active ? <strong className="govuk-service-navigation__active-fallback">{item.label}</strong> : item.label}
                        </a>
                      </li>
                    );
                  })}
                </ul>
              </nav>
            </div>
          </div>
        </div>
      )}
    </>
  );
}
