import { InsetText, PageHeading, SummaryList, type SummaryRow, Tag, WarningText } from '../../../ui/components.tsx';
import { formatDate, formatDateTime, plural } from '../../../ui/format.ts';
import { Button, Form } from '../../../ui/forms.tsx';
import type { Crumb } from '../../../ui/layout.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { authMethodLabel, signedAtLondon, signedAtUtc } from './labels.ts';
import type { AcknowledgementView, EvidenceCheck, PublicVerification, RecordCheck } from './service.ts';

const Hash = ({ value }: { value: string | null | undefined }) => (value ? <code className="cs-hash">{value}</code> : null);

/** Green "Intact" or red "Does not match": the record's own hash and its link to the record before. */
export function CheckTag({ check }: { check: RecordCheck }) {
  return check.intact ? <Tag tone="green">Intact</Tag> : <Tag tone="red">Does not match</Tag>;
}

function CheckValue({ check }: { check: RecordCheck }) {
  return (
    <>
      <CheckTag check={check} />{' '}
      {check.intact ? 'The record matches its hash and links to the record before it: it has not been changed since it was written.' : check.reason}
    </>
  );
}

/** The signature record: every evidence field, whether it still matches, and its certificate. */
export function AcknowledgementPage({ view, breadcrumbs }: { view: AcknowledgementView; breadcrumbs: Crumb[] }) {
  const { ack, check, scan, certificateHref } = view;
  const proxy = !!(ack.recordedById || ack.recordedByName);
  const rows: SummaryRow[] = [
    { key: 'Check', value: <CheckValue check={check} /> },
    { key: 'Person', value: ack.personName },
    { key: 'Email address', value: ack.personEmail },
    { key: ack.schoolNames.includes(',') ? 'Schools' : 'School', value: ack.schoolNames },
    { key: 'Position given', value: ack.position },
    { key: 'Typed name', value: ack.typedName },
    { key: 'Policy', value: ack.policyTitle },
    { key: 'Version', value: ack.versionLabel },
    { key: 'Content fingerprint (SHA-256)', value: <Hash value={ack.contentSha256} /> },
    { key: 'Declaration', value: ack.declarationText },
    {
      key: 'Statements shown',
      value: ack.statements.length ? (
        <ul className="govuk-list govuk-list--bullet">
          {ack.statements.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ul>
      ) : (
        'None: the version had no agreement statements'
      ),
    },
    { key: 'Signed (UK time)', value: signedAtLondon(ack) },
    { key: 'Signed (UTC)', value: signedAtUtc(ack) },
    { key: 'How they signed in', value: authMethodLabel(ack) },
    { key: 'IP address', value: ack.ip ?? '' },
    { key: 'Browser (user agent)', value: ack.userAgent ?? '' },
  ];
  if (proxy) {
    rows.push({ key: 'Recorded on their behalf by', value: ack.recordedByName ?? 'A member of staff' });
    rows.push({ key: 'Why it was recorded for them', value: ack.proxyNote ?? '' });
    rows.push({
      key: 'Scan of the form',
      value: scan ? (
        <>
          <a className="govuk-link" href={`/acknowledgements/${ack.id}/scan`}>
            {`Open the scan (${scan.fileName})`}
          </a>
          <br />
          <span className="cs-muted">SHA-256 </span>
          <Hash value={scan.sha256} />
        </>
      ) : (
        <Hash value={ack.scanSha256} />
      ),
    });
  }
  if (ack.imported) rows.push({ key: 'Imported', value: 'Yes: imported from an earlier record of a signature, not signed in Countersign' });
  rows.push(
    { key: 'Record number', value: String(ack.seq) },
    { key: 'Record id', value: <Hash value={ack.id} /> },
    { key: 'Previous record’s hash', value: <Hash value={ack.prevHash} /> },
    { key: 'Hash', value: <Hash value={ack.hash} /> },
  );
  const heading = `${ack.personName}: ${ack.policyTitle} ${ack.versionLabel}`;
  return (
    <Layout title={`Signature record: ${heading}`} breadcrumbs={breadcrumbs}>
      <PageHeading
        caption="Signature record"
        actions={
          <a href={certificateHref} className="govuk-button" data-module="govuk-button" download>
            Download certificate
          </a>
        }
      >
        {heading}
      </PageHeading>
      {!check.intact && (
        <WarningText>
          This record does not match the evidence chain: {check.reason} Tell your trust administrator; they can check the whole chain under Evidence.
        </WarningText>
      )}
      <SummaryList rows={rows} />
      <p className="govuk-body">
        Signature records cannot be changed or deleted. Anyone with the certificate can check this record at its public address,{' '}
        <a className="govuk-link" href={`/verify/${ack.id}`}>
          {`/verify/${ack.id}`}
        </a>
        .
      </p>
    </Layout>
  );
}

/** The public page printed on a certificate: the record exists and matches, without personal details. */
export function VerifyPage({ record }: { record: PublicVerification }) {
  const { check } = record;
  const heading = check.intact ? 'This signature record is genuine' : 'This signature record does not match';
  return (
    <Layout title={heading}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <span className="govuk-caption-l">{`Signature record ${record.seq}`}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          {check.intact ? (
            <p className="govuk-body">
              Countersign holds this record for {record.trustName}. It matches its hash and links correctly to the record before it, so it has not been changed
              since it was written.
            </p>
          ) : (
            <WarningText>
              Countersign holds a record with this number for {record.trustName}, but it no longer matches: {check.reason} Ask {record.trustName} about it.
            </WarningText>
          )}
          <SummaryList
            rows={[
              { key: 'Check', value: <CheckTag check={check} /> },
              { key: 'Organisation', value: record.trustName },
              { key: 'Signed by', value: record.personName },
              { key: 'Policy', value: record.policyTitle },
              { key: 'Version', value: record.versionLabel },
              { key: 'Content fingerprint (SHA-256)', value: <Hash value={record.contentSha256} /> },
              {
                key: 'Signed on',
                value: `${formatDate(record.signedAt)}${record.imported ? ' (imported from an earlier record)' : record.onPaper ? ' (on a paper form)' : ''}`,
              },
              { key: 'Record number', value: String(record.seq) },
              { key: 'Record id', value: <Hash value={record.id} /> },
              { key: 'Hash', value: <Hash value={record.hash} /> },
            ]}
          />
          <InsetText>
            Compare these details with the certificate. If they differ, the certificate is not a true copy of the record. Email addresses, IP addresses and
            other personal details are on the certificate but are never shown here.
          </InsetText>
        </div>
      </div>
    </Layout>
  );
}

type LastCheck = (EvidenceCheck & { at: Date; by: string }) | null;

function CheckResult({ check }: { check: EvidenceCheck & { at: Date; by?: string } }) {
  const rows: SummaryRow[] = [
    { key: 'Checked', value: `${formatDateTime(check.at)}${check.by ? ` by ${check.by}` : ''}` },
    { key: 'Records checked', value: check.checked.toLocaleString('en-GB') },
    { key: 'Result', value: check.problem ? <Tag tone="red">Problem found</Tag> : <Tag tone="green">Intact</Tag> },
  ];
  if (check.problem) {
    rows.push(
      {
        key: 'First bad record',
        value: check.problem.id ? (
          <a className="govuk-link" href={`/acknowledgements/${check.problem.id}`}>
            {`Record ${check.problem.seq}`}
          </a>
        ) : (
          `Record ${check.problem.seq}`
        ),
      },
      { key: 'What is wrong', value: check.problem.reason },
      { key: 'Last good record', value: check.lastSeq ? `Record ${check.lastSeq}` : 'None' },
      { key: 'Its hash', value: <Hash value={check.lastHash} /> },
    );
  } else {
    rows.push(
      { key: 'Last record', value: check.lastSeq ? `Record ${check.lastSeq}` : 'No records yet' },
      { key: 'Last hash', value: <Hash value={check.lastHash} /> },
    );
  }
  return <SummaryList rows={rows} />;
}

/** Trust administrators: recompute the whole chain in the app, as `countersign verify-evidence` does. */
export function EvidencePage({ result, last }: { result?: EvidenceCheck & { at: Date; by: string }; last: LastCheck }) {
  return (
    <Layout title="Evidence" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <PageHeading>Evidence</PageHeading>
          <p className="govuk-body">
            Every signature is kept as a record that cannot be changed or deleted. Each record holds a hash of its own details and of the record before it, so
            together they form a chain. Checking the chain recomputes every hash: if a record has been changed, removed or put out of order, the check names the
            first one that does not match.
          </p>
          {result && (
            <>
              <h2 className="govuk-heading-m">{result.problem ? 'The chain has a problem' : 'The chain is intact'}</h2>
              {result.problem ? (
                <WarningText>
                  {`Record ${result.problem.seq} does not check out: ${result.problem.reason}. Records before it are intact. Keep this page and contact your Countersign provider: the database has been changed outside Countersign.`}
                </WarningText>
              ) : (
                <p className="govuk-body">{`All ${plural(result.checked, 'signature record')} match their hashes and link correctly. The check has been added to the audit log.`}</p>
              )}
              <CheckResult check={result} />
            </>
          )}
          {!result && last && (
            <>
              <h2 className="govuk-heading-m">The last check</h2>
              <CheckResult check={last} />
            </>
          )}
          {!result && !last && <p className="govuk-body">The chain has not been checked yet.</p>}
          <Form action="/evidence">
            <Button secondary={!!result}>{result ? 'Check again' : 'Check the evidence chain'}</Button>
          </Form>
          <p className="govuk-body cs-muted">
            A server administrator can run the same check from the command line: <code>countersign verify-evidence</code>.
          </p>
        </div>
      </div>
    </Layout>
  );
}
