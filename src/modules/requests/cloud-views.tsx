import type { FieldErrors } from '../../errors.ts';
import { type Column, InsetText, PageHeading, Paragraphs, SummaryList, Table, Tag } from '../../ui/components.tsx';
import { formatDate } from '../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, Checkboxes, DateInput, ErrorSummary, Form, type FormValues, Textarea, TextInput } from '../../ui/forms.tsx';
import { Layout } from '../../ui/layout.tsx';
import { addDays } from '../acknowledgements/service.ts';
import { reviewCountdown } from '../policies/reviews/service.ts';
import type { CloudServiceRow, cloudServiceRecord, listCloudServices, publicCloudServices } from './cloud.ts';
import { DATA_CATEGORIES, dataCategoryLabel } from './types.ts';

const CRUMBS = [
  { href: '/', label: 'Home' },
  { href: '/cloud-services', label: 'Cloud services' },
];

function Categories({ values }: { values: string[] }) {
  if (values.length === 0) return <span className="cs-muted">Not recorded</span>;
  return (
    <ul className="govuk-list">
      {values.map((v) => (
        <li key={v}>{dataCategoryLabel(v)}</li>
      ))}
    </ul>
  );
}

function ReviewTag({ reviewOn, today }: { reviewOn: string; today: string }) {
  const label = reviewCountdown(reviewOn, today);
  const tone = reviewOn < today ? 'red' : reviewOn <= addDays(today, 30) ? 'orange' : 'grey';
  return (
    <>
      {formatDate(reviewOn)} <Tag tone={tone}>{label}</Tag>
    </>
  );
}

type Listed = Awaited<ReturnType<typeof listCloudServices>>;

/** The register: what staff may use with school information, and when each is next reviewed. */
export function CloudListPage({ list, today, trustSlug }: { list: Listed; today: string; trustSlug: string | null }) {
  const columns: Column<CloudServiceRow>[] = [
    {
      header: 'Service',
      cell: (r) => (
        <a className="govuk-link" href={`/cloud-services/${r.id}`}>
          {r.name}
        </a>
      ),
    },
    { header: 'Supplier', cell: (r) => r.supplier },
    { header: 'Personal data', cell: (r) => <Categories values={r.dataCategories} /> },
    { header: 'DPIA', cell: (r) => (r.dpiaDone ? `Done ${formatDate(r.dpiaOn)}` : <Tag tone="orange">Not done</Tag>) },
    {
      header: list.filter.status === 'withdrawn' ? 'Status' : 'Review',
      cell: (r) => (r.status === 'withdrawn' ? <Tag tone="grey">Withdrawn</Tag> : <ReviewTag reviewOn={r.reviewOn} today={today} />),
    },
  ];
  const tab = (status: 'approved' | 'withdrawn' | 'all', label: string) =>
    list.filter.status === status ? (
      <strong>{label}</strong>
    ) : (
      <a className="govuk-link" href={status === 'approved' ? '/cloud-services' : `/cloud-services?status=${status}`}>
        {label}
      </a>
    );
  return (
    <Layout title="Approved cloud services" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading
        actions={
          list.canManage ? (
            <a href="/cloud-services/new" className="govuk-button" data-module="govuk-button">
              Add a service
            </a>
          ) : (
            <a href="/requests/new/cloud_service" className="govuk-button govuk-button--secondary" data-module="govuk-button">
              Ask to use a new service
            </a>
          )
        }
      >
        Approved cloud services
      </PageHeading>
      <p className="govuk-body">
        Online services checked for data protection. Use only these with pupils’ or staff information. To use another, ask the data protection officer with a{' '}
        <a className="govuk-link" href="/requests/new/cloud_service">
          cloud service request
        </a>
        .
      </p>
      {trustSlug && (
        <p className="govuk-body">
          The public list for the privacy notice:{' '}
          <a className="govuk-link" href={`/c/${trustSlug}/cloud-services`}>
            /c/{trustSlug}/cloud-services
          </a>
        </p>
      )}
      <p className="govuk-body">
        Show: {tab('approved', 'Approved')} · {tab('withdrawn', 'Withdrawn')} · {tab('all', 'All')}
      </p>
      <Table caption="Cloud services" columns={columns} rows={list.rows} rowKey={(r) => r.id} empty="No services to show." />
    </Layout>
  );
}

type Record = Awaited<ReturnType<typeof cloudServiceRecord>>;

/** One service: its facts, and for the DPO the change and withdraw actions. */
export function CloudServicePage({ record, today, errors, values }: { record: Record; today: string; errors?: FieldErrors; values?: FormValues }) {
  const { service } = record;
  const manage = record.canManage && service.status === 'approved';
  return (
    <Layout title={`${errors && Object.keys(errors).length ? 'Error: ' : ''}${service.name}`} breadcrumbs={CRUMBS}>
      <ErrorSummary errors={errors} />
      <PageHeading
        caption="Cloud service"
        actions={
          manage ? (
            <a href={`/cloud-services/${service.id}/edit`} className="govuk-button govuk-button--secondary" data-module="govuk-button">
              Change
            </a>
          ) : undefined
        }
      >
        {service.name}
      </PageHeading>
      <p className="govuk-body">{service.status === 'approved' ? <Tag tone="green">Approved</Tag> : <Tag tone="grey">Withdrawn</Tag>}</p>
      <SummaryList
        rows={[
          { key: 'Supplier', value: service.supplier },
          { key: 'Purpose', value: <Paragraphs text={service.purpose} /> },
          { key: 'Personal data', value: <Categories values={service.dataCategories} /> },
          { key: 'DPIA', value: service.dpiaDone ? `Done on ${formatDate(service.dpiaOn)}` : 'Not done' },
          { key: 'Approved', value: `${formatDate(service.approvedOn)}${record.approverName ? ` by ${record.approverName}` : ''}` },
          {
            key: 'Request',
            value: record.sourceReference ? (
              <a className="govuk-link" href={`/requests/${record.sourceReference}`}>
                {record.sourceReference}
              </a>
            ) : (
              'Added directly to the register'
            ),
          },
          { key: 'Next review', value: service.status === 'approved' ? <ReviewTag reviewOn={service.reviewOn} today={today} /> : formatDate(service.reviewOn) },
          ...(service.status === 'withdrawn' ? [{ key: 'Withdrawn because', value: <Paragraphs text={service.withdrawnReason} /> }] : []),
        ]}
      />
      {manage && (
        <>
          <h2 className="govuk-heading-m">Withdraw the service</h2>
          <p className="govuk-body">Staff must stop using it. It leaves the public list; the entry stays here as a record.</p>
          <Form action={`/cloud-services/${service.id}/withdraw`}>
            <Textarea name="reason" label="Why it is withdrawn" rows={3} errors={errors} values={values} />
            <Button warning>Withdraw {service.name}</Button>
          </Form>
        </>
      )}
    </Layout>
  );
}

/** Add a service, or change one (DPO, trust administrators). */
export function CloudFormPage({ service, errors, values }: { service?: CloudServiceRow; errors?: FieldErrors; values?: FormValues }) {
  const title = service ? `Change ${service.name}` : 'Add a cloud service';
  const action = service ? `/cloud-services/${service.id}/edit` : '/cloud-services/new';
  return (
    <Layout title={`${errors && Object.keys(errors).length ? 'Error: ' : ''}${title}`} breadcrumbs={CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <PageHeading caption="Approved cloud services">{title}</PageHeading>
          <Form action={action}>
            <TextInput name="name" label="Name of the service" errors={errors} values={values} />
            <TextInput name="supplier" label="Supplier" errors={errors} values={values} />
            <Textarea
              name="purpose"
              label="What it is used for"
              hint="Shown on the public list for the privacy notice."
              rows={3}
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="dataCategories"
              label="Personal data it holds"
              hint="Select all that apply."
              options={DATA_CATEGORIES}
              small
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="dpiaDone"
              label="Data protection impact assessment"
              options={[{ value: 'yes', label: 'A DPIA has been done' }]}
              small
              errors={errors}
              values={values}
            />
            <DateInput name="dpiaOn" label="Date of the DPIA" hint="For example, 3 3 2026" errors={errors} values={values} />
            <DateInput
              name="reviewOn"
              label="Next review date"
              hint="The DPO is reminded 30 days before. For example, 3 3 2027"
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>{service ? 'Save changes' : 'Add the service'}</Button>
              <CancelLink href={service ? `/cloud-services/${service.id}` : '/cloud-services'} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

/** The public page for the privacy notice: approved services only; no staff names. */
export function PublicCloudPage({ list }: { list: Awaited<ReturnType<typeof publicCloudServices>> }) {
  type Row = (typeof list.rows)[number];
  const columns: Column<Row>[] = [
    { header: 'Service', cell: (r) => r.name },
    { header: 'Supplier', cell: (r) => r.supplier },
    { header: 'What it is used for', cell: (r) => r.purpose },
    { header: 'Personal data', cell: (r) => <Categories values={r.dataCategories} /> },
  ];
  return (
    <Layout title={`Online services used by ${list.trustName}`}>
      <PageHeading caption={list.trustName}>Online services we use</PageHeading>
      <p className="govuk-body">
        {list.trustName} and its schools use these online services with personal information. Each was checked for data protection before it was approved. This
        list forms part of our privacy notices.
      </p>
      {list.rows.length === 0 ? (
        <InsetText>No online services are listed yet.</InsetText>
      ) : (
        <Table caption="Online services" columns={columns} rows={list.rows} rowKey={(r) => r.name} />
      )}
    </Layout>
  );
}
