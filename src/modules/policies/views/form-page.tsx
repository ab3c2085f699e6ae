import type { ReactNode } from 'react';
import type { FieldErrors } from '../../../errors.ts';
import { ErrorSummary } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';

/** The frame of a one-form page about a policy: breadcrumbs back to it, its title as the caption, the error summary. */
export function PolicyFormPage({
  policy,
  heading,
  errors,
  children,
}: {
  policy: { id: string; title: string };
  heading: string;
  errors?: FieldErrors;
  children: ReactNode;
}) {
  return (
    <Layout
      title={errors ? `Error: ${heading}` : heading}
      breadcrumbs={[
        { href: '/policies', label: 'Policies' },
        { href: `/policies/${policy.id}`, label: policy.title },
      ]}
    >
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">{policy.title}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          {children}
        </div>
      </div>
    </Layout>
  );
}
