import { PageHeading, SummaryList, Tag } from '../../../ui/components.tsx';
import { formatDate } from '../../../ui/format.ts';
import { Layout } from '../../../ui/layout.tsx';
import { PolicyDocument } from '../views/document.tsx';
import type { publicPolicy } from './service.ts';

type PublicPolicy = Awaited<ReturnType<typeof publicPolicy>>;

/**
 * A public policy for parents and anyone else, with no sign-in: the version in force only. The
 * layout shows no navigation or account to an anonymous visitor.
 */
export function PublicPolicyPage({ doc, pdfHref }: { doc: PublicPolicy; pdfHref: string }) {
  const { policy, version, content, trustName, schoolName } = doc;
  return (
    <Layout title={`${policy.title}: ${schoolName ?? trustName}`}>
      <PageHeading
        caption={schoolName ? `${schoolName}, ${trustName}` : trustName}
        actions={
          <a href={pdfHref} className="govuk-button govuk-button--secondary" data-module="govuk-button">
            Download PDF
          </a>
        }
      >
        {policy.title}
      </PageHeading>
      <SummaryList
        rows={[
          { key: 'Published by', value: schoolName ? `${schoolName}, part of ${trustName}` : trustName },
          { key: 'Version', value: version.label },
          { key: 'Status', value: <Tag tone="green">In force</Tag> },
          { key: 'In force from', value: formatDate(version.effectiveFrom) },
          { key: 'Next review due', value: formatDate(policy.nextReviewOn) },
          { key: 'Content fingerprint (SHA-256)', value: <code className="cs-hash">{version.contentSha256}</code> },
        ]}
      />
      <PolicyDocument content={content} />
    </Layout>
  );
}
