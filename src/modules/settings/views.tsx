import type { FieldErrors } from '../../errors.ts';
import { type Column, PageHeading, SummaryList, Table, Tag, WarningText } from '../../ui/components.tsx';
import { formatDateTime, plural } from '../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, Checkboxes, ErrorSummary, Form, type FormValues, TextInput } from '../../ui/forms.tsx';
import { Layout } from '../../ui/layout.tsx';
import type { ApiKeyRow } from '../auth/api-keys.ts';
import { API_SCOPES } from '../auth/authorize.ts';

const SETTINGS_CRUMBS = [
  { href: '/', label: 'Home' },
  { href: '/settings', label: 'Settings' },
];
const KEYS_CRUMBS = [...SETTINGS_CRUMBS, { href: '/settings/api-keys', label: 'API keys' }];

export function SettingsPage() {
  return (
    <Layout title="Settings" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <h1 className="govuk-heading-l">Settings</h1>
      <h2 className="govuk-heading-m">API keys</h2>
      <p className="govuk-body">
        API keys let other systems, such as your MIS, HR system or web filtering, read from and send to Countersign without anyone signing in.
      </p>
      <p className="govuk-body">
        <a className="govuk-link" href="/settings/api-keys">
          Manage API keys
        </a>
      </p>
      <h2 className="govuk-heading-m">Monitoring</h2>
      <p className="govuk-body">
        <a className="govuk-link" href="/settings/monitoring">
          Monitoring settings
        </a>
        : how repeats are grouped into one alert, who alerts about staff go to, and how long sign-in and file-deletion events are kept.
      </p>
    </Layout>
  );
}

const Scopes = ({ scopes }: { scopes: string[] }) => (
  <ul className="govuk-list">
    {scopes.map((s) => (
      <li key={s}>
        <Tag tone="purple">{s}</Tag>
      </li>
    ))}
  </ul>
);

type KeyListItem = { key: ApiKeyRow; createdByName: string | null };

export function ApiKeysPage({ keys }: { keys: KeyListItem[] }) {
  const columns: Column<KeyListItem>[] = [
    { header: 'Name', cell: (r) => r.key.name },
    { header: 'Key starts', cell: (r) => <code>{r.key.prefix}</code> },
    { header: 'Can', cell: (r) => <Scopes scopes={r.key.scopes} /> },
    {
      header: 'Created',
      cell: (r) => (
        <>
          {formatDateTime(r.key.createdAt)}
          <br />
          <span className="govuk-body-s cs-muted">by {r.createdByName ?? 'the command line'}</span>
        </>
      ),
    },
    {
      header: 'Last used',
      cell: (r) =>
        r.key.lastUsedAt ? (
          <>
            {formatDateTime(r.key.lastUsedAt)}
            <br />
            <span className="govuk-body-s cs-muted">{plural(r.key.useCount, 'request')} in all</span>
          </>
        ) : (
          <span className="cs-muted">Never</span>
        ),
    },
    {
      header: 'Status',
      cell: (r) =>
        r.key.revokedAt ? (
          <>
            <Tag tone="grey">Revoked</Tag>
            <br />
            <span className="govuk-body-s cs-muted">{formatDateTime(r.key.revokedAt)}</span>
          </>
        ) : (
          <Tag tone="green">Active</Tag>
        ),
    },
    {
      header: 'Action',
      cell: (r) =>
        !r.key.revokedAt && (
          <a className="govuk-link" href={`/settings/api-keys/${r.key.id}/revoke`}>
            Revoke<span className="govuk-visually-hidden"> the API key {r.key.name}</span>
          </a>
        ),
    },
  ];
  return (
    <Layout title="API keys" breadcrumbs={SETTINGS_CRUMBS}>
      <PageHeading
        actions={
          <a href="/settings/api-keys/new" className="govuk-button" data-module="govuk-button">
            Create an API key
          </a>
        }
      >
        API keys
      </PageHeading>
      <p className="govuk-body">
        Each system that uses the{' '}
        <a className="govuk-link" href="/api/v1/openapi.json">
          Countersign API
        </a>{' '}
        should have its own key, so you can revoke one without stopping the others. A key is shown once, when it is created.
      </p>
      <Table caption="API keys" columns={columns} rows={keys} rowKey={(r) => r.key.id} empty="There are no API keys yet." />
    </Layout>
  );
}

export function NewApiKeyPage({ errors, values }: { errors?: FieldErrors; values?: FormValues }) {
  const heading = 'Create an API key';
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={KEYS_CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          <Form action="/settings/api-keys/new">
            <TextInput
              name="name"
              label="Name"
              hint="Say which system will use it, so you know what stops working if you revoke it. For example, Arbor MIS sync."
              autoComplete="off"
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="scopes"
              label="What the key can do (give only what the system needs)"
              options={Object.entries(API_SCOPES).map(([value, hint]) => ({ value, label: value, hint }))}
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>Create API key</Button>
              <CancelLink href="/settings/api-keys" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export function NewApiKeyCreatedPage({ apiKey, secret, baseUrl }: { apiKey: ApiKeyRow; secret: string; baseUrl: string }) {
  return (
    <Layout title="Your new API key" breadcrumbs={KEYS_CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <h1 className="govuk-heading-l">Your new API key</h1>
          <p className="govuk-body">
            This is the key ‘{apiKey.name}’. It can: {apiKey.scopes.join(', ')}.
          </p>
          <WarningText>Copy the key now and keep it somewhere safe, such as your password manager. It will not be shown again.</WarningText>
          <p className="govuk-body cs-secret">{secret}</p>
          <h2 className="govuk-heading-m">How to use it</h2>
          <p className="govuk-body">Send the key in the Authorization header of every request:</p>
          <pre className="cs-pre">{`Authorization: Bearer ${secret}`}</pre>
          <p className="govuk-body">For example:</p>
          <pre className="cs-pre">{`curl -H "Authorization: Bearer ${secret}" ${baseUrl}/api/v1/people`}</pre>
          <p className="govuk-body">
            The{' '}
            <a className="govuk-link" href="/api/v1/openapi.json">
              API description (OpenAPI)
            </a>{' '}
            lists every request the API answers.
          </p>
          <p className="govuk-body">If you lose the key, revoke it and create a new one.</p>
          <a href="/settings/api-keys" className="govuk-button govuk-button--secondary" data-module="govuk-button">
            I have copied the key
          </a>
        </div>
      </div>
    </Layout>
  );
}

export function RevokeApiKeyPage({ apiKey }: { apiKey: ApiKeyRow }) {
  const heading = `Revoke API key ‘${apiKey.name}’?`;
  return (
    <Layout title={heading} breadcrumbs={KEYS_CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            Any integration using this key will stop working straight away: Countersign will refuse its requests. You cannot undo this. If the system still
            needs access, create a new key for it.
          </p>
          <SummaryList
            rows={[
              { key: 'Key starts', value: <code>{apiKey.prefix}</code> },
              { key: 'Can', value: apiKey.scopes.join(', ') },
              { key: 'Last used', value: apiKey.lastUsedAt ? formatDateTime(apiKey.lastUsedAt) : 'Never' },
            ]}
          />
          <Form action={`/settings/api-keys/${apiKey.id}/revoke`}>
            <ButtonGroup>
              <Button warning>Revoke API key</Button>
              <CancelLink href="/settings/api-keys" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}
