import type { FieldErrors } from '../../../errors.ts';
import { type Column, PageHeading, Table } from '../../../ui/components.tsx';
import { Button, ButtonGroup, CancelLink, ErrorSummary, Form, type FormValues, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import type { SchoolRow } from '../repository.ts';

export function SchoolsPage({ schools }: { schools: SchoolRow[] }) {
  const columns: Column<SchoolRow>[] = [
    {
      header: 'Name',
      cell: (s) => (
        <a className="govuk-link" href={`/schools/${s.id}/edit`}>
          {s.name}
        </a>
      ),
    },
    { header: 'Short name', cell: (s) => s.slug },
    { header: 'URN', cell: (s) => s.urn ?? '' },
    { header: 'Phase', cell: (s) => s.phase ?? '' },
  ];
  return (
    <Layout title="Schools">
      <PageHeading
        actions={
          <a href="/schools/new" className="govuk-button" data-module="govuk-button">
            Add a school
          </a>
        }
      >
        Schools
      </PageHeading>
      <Table caption="Schools" columns={columns} rows={schools} rowKey={(s) => s.id} empty="No schools yet. Add the trust’s first school." />
    </Layout>
  );
}

export function SchoolFormPage({ schoolId, errors, values }: { schoolId?: string; errors?: FieldErrors; values?: FormValues }) {
  const heading = schoolId ? 'Change school details' : 'Add a school';
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={[{ href: '/schools', label: 'Schools' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          <Form action={schoolId ? `/schools/${schoolId}/edit` : '/schools/new'}>
            <TextInput name="name" label="Name" errors={errors} values={values} />
            <TextInput
              name="slug"
              label="Short name"
              hint="Used in web addresses and spreadsheet imports, like oakfield-primary"
              width="20"
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <TextInput
              name="urn"
              label="URN (optional)"
              hint="The unique reference number from Get Information about Schools"
              width="10"
              inputMode="numeric"
              errors={errors}
              values={values}
            />
            <TextInput
              name="phase"
              label="Phase (optional)"
              hint="For example, primary, secondary, special or all-through"
              width="20"
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>{schoolId ? 'Save changes' : 'Add school'}</Button>
              <CancelLink href="/schools" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}
