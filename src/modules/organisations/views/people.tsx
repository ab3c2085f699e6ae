import type { FieldErrors } from '../../../errors.ts';
import { type Column, PagedTable, PageHeading, SummaryList, Tag } from '../../../ui/components.tsx';
import { formatDate } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, Checkboxes, DateInput, ErrorSummary, Form, type FormValues, Select, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import type { PersonRow, SchoolRow } from '../repository.ts';
import { kindLabel, PERSON_KIND_CODES, PERSON_KINDS, ROLE_CODES, ROLES, roleLabel } from '../roles.ts';
import type { PersonDetail } from '../service.ts';

export type PeopleFilters = { q?: string; school?: string; kind?: string; role?: string; status: string; sort: string; dir: 'asc' | 'desc'; page: number };

export const peopleUrl = (f: PeopleFilters, changes: Partial<PeopleFilters> = {}) => {
  const merged = { ...f, ...changes };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== '' && !(k === 'page' && v === 1)) params.set(k, String(v));
  const qs = params.toString();
  return `/people${qs ? `?${qs}` : ''}`;
};

type ListItem = PersonRow & { schools: { name: string }[]; roles: { role: string }[] };

export function PeopleListPage(p: {
  filters: PeopleFilters;
  items: ListItem[];
  total: number;
  pageSize: number;
  schools: SchoolRow[];
  canManage: boolean;
  canImport: boolean;
  today: string;
}) {
  const { filters } = p;
  const columns: Column<ListItem>[] = [
    {
      header: 'Name',
      sortKey: 'name',
      cell: (r) => (
        <>
          <a className="govuk-link" href={`/people/${r.id}`}>
            {r.fullName}
          </a>
          <br />
          <span className="govuk-body-s cs-muted">{r.email}</span>
        </>
      ),
    },
    { header: 'Position', sortKey: 'position', cell: (r) => r.position ?? '' },
    { header: 'Kind', sortKey: 'kind', cell: (r) => kindLabel(r.kind) },
    { header: 'Schools', cell: (r) => r.schools.map((s) => s.name).join(', ') || <span className="cs-muted">Central team</span> },
    { header: 'Roles', cell: (r) => [...new Set(r.roles.map((x) => roleLabel(x.role)))].join(', ') },
    {
      header: 'Status',
      sortKey: 'start',
      cell: (r) =>
        r.endDate && r.endDate < p.today ? (
          <Tag tone="grey">Left {formatDate(r.endDate)}</Tag>
        ) : r.endDate ? (
          <Tag tone="orange">Leaving {formatDate(r.endDate)}</Tag>
        ) : r.startDate && r.startDate > p.today ? (
          <Tag tone="blue">Starts {formatDate(r.startDate)}</Tag>
        ) : (
          <Tag tone="green">Current</Tag>
        ),
    },
  ];
  return (
    <Layout title="People">
      <PageHeading
        actions={
          <>
            {p.canManage && (
              <a href="/people/new" className="govuk-button" data-module="govuk-button">
                Add a person
              </a>
            )}
            {p.canImport && (
              <a href="/people/import" className="govuk-button govuk-button--secondary" data-module="govuk-button">
                Import from a spreadsheet
              </a>
            )}
          </>
        }
      >
        People
      </PageHeading>
      <form method="get" action="/people" className="cs-filters" role="search" aria-label="Filter people">
        <div className="cs-filters__row">
          <TextInput name="q" label="Name, email or position" type="search" values={{ q: filters.q }} width="20" />
          <Select
            name="school"
            label="School"
            emptyLabel="All schools"
            options={p.schools.map((s) => ({ value: s.id, label: s.name }))}
            values={{ school: filters.school }}
          />
          <Select
            name="kind"
            label="Kind"
            emptyLabel="All kinds"
            options={PERSON_KIND_CODES.map((k) => ({ value: k, label: PERSON_KINDS[k] }))}
            values={{ kind: filters.kind }}
          />
          <Select
            name="role"
            label="Role"
            emptyLabel="Any role"
            options={ROLE_CODES.map((r) => ({ value: r, label: ROLES[r].label }))}
            values={{ role: filters.role }}
          />
          <Select
            name="status"
            label="Status"
            options={[
              { value: 'current', label: 'Current' },
              { value: 'left', label: 'Left' },
              { value: 'all', label: 'Everyone' },
            ]}
            values={{ status: filters.status }}
          />
          <input type="hidden" name="sort" value={filters.sort} />
          <input type="hidden" name="dir" value={filters.dir} />
          <div className="govuk-form-group">
            <button type="submit" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">
              Apply filters
            </button>
          </div>
        </div>
      </form>
      <PagedTable
        caption="People"
        columns={columns}
        rows={p.items}
        rowKey={(r) => r.id}
        sort={{ current: filters.sort, dir: filters.dir, href: (sort, dir) => peopleUrl(filters, { sort, dir, page: 1 }) }}
        empty="No people match these filters."
        paging={{ page: filters.page, pageSize: p.pageSize, total: p.total, noun: ['person', 'people'], href: (page) => peopleUrl(filters, { page }) }}
      />
    </Layout>
  );
}

export function PersonPage({
  detail,
  canManage,
  canManageRoles,
  schools,
  errors,
  values,
}: {
  detail: PersonDetail;
  canManage: boolean;
  canManageRoles: boolean;
  schools: SchoolRow[];
  errors?: FieldErrors;
  values?: FormValues;
}) {
  const { person } = detail;
  const status = detail.left ? <Tag tone="grey">Left</Tag> : person.endDate ? <Tag tone="orange">Leaving</Tag> : <Tag tone="green">Current</Tag>;
  return (
    <Layout
      title={errors ? `Error: ${person.fullName}` : person.fullName}
      breadcrumbs={[
        { href: '/', label: 'Home' },
        { href: '/people', label: 'People' },
      ]}
    >
      <ErrorSummary errors={errors} />
      <PageHeading
        caption={person.position ?? kindLabel(person.kind)}
        actions={
          canManage && (
            <>
              <a href={`/people/${person.id}/edit`} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                Change details
              </a>
              {!detail.left && (
                <a href={`/people/${person.id}/end-date`} className="govuk-button govuk-button--warning" data-module="govuk-button">
                  Record leaving
                </a>
              )}
            </>
          )
        }
      >
        {person.fullName} {status}
      </PageHeading>
      <SummaryList
        rows={[
          { key: 'Email', value: person.email },
          { key: 'Kind', value: kindLabel(person.kind) },
          { key: 'Position', value: person.position ?? '' },
          {
            key: 'Line manager',
            value: detail.lineManager ? (
              <a className="govuk-link" href={`/people/${detail.lineManager.id}`}>
                {detail.lineManager.fullName}
              </a>
            ) : (
              ''
            ),
          },
          { key: 'Schools', value: detail.schools.map((s) => s.name).join(', ') || 'Central team (no school)' },
          { key: 'Start date', value: formatDate(person.startDate) },
          { key: 'End date', value: formatDate(person.endDate) },
          { key: 'MIS or HR reference', value: person.externalId ?? '' },
        ]}
      />
      <h2 className="govuk-heading-m">Roles</h2>
      {detail.roles.length === 0 ? (
        <p className="govuk-body">No roles. Everyone can sign in, sign agreements and report concerns without one.</p>
      ) : (
        <table className="govuk-table">
          <caption className="govuk-table__caption govuk-visually-hidden">Roles</caption>
          <thead className="govuk-table__head">
            <tr className="govuk-table__row">
              <th scope="col" className="govuk-table__header">
                Role
              </th>
              <th scope="col" className="govuk-table__header">
                Where
              </th>
              {canManageRoles && (
                <th scope="col" className="govuk-table__header">
                  <span className="govuk-visually-hidden">Action</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody className="govuk-table__body">
            {detail.roles.map((r) => (
              <tr className="govuk-table__row" key={r.id}>
                <td className="govuk-table__cell">{roleLabel(r.role)}</td>
                <td className="govuk-table__cell">{r.schoolName ?? 'Whole trust'}</td>
                {canManageRoles && (
                  <td className="govuk-table__cell">
                    <Form action={`/people/${person.id}/roles/${r.id}/remove`} className="cs-inline-form">
                      <button type="submit" className="cs-link-button cs-link-button--dark">
                        Remove<span className="govuk-visually-hidden"> the role {roleLabel(r.role)}</span>
                      </button>
                    </Form>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canManageRoles && !detail.left && (
        <Form action={`/people/${person.id}/roles`}>
          <h3 className="govuk-heading-s">Give a role</h3>
          <div className="cs-filters__row">
            <Select
              name="role"
              label="Role"
              emptyLabel="Choose a role"
              options={ROLE_CODES.map((r) => ({ value: r, label: ROLES[r].label }))}
              errors={errors}
              values={values}
            />
            <Select
              name="scope"
              label="Where it applies"
              emptyLabel="Choose where"
              options={[{ value: 'trust', label: 'Whole trust' }, ...schools.map((s) => ({ value: s.id, label: s.name }))]}
              errors={errors}
              values={values}
            />
            <div className="govuk-form-group">
              <Button secondary>Give role</Button>
            </div>
          </div>
        </Form>
      )}
      {detail.reports.length > 0 && (
        <>
          <h2 className="govuk-heading-m">Line manager of</h2>
          <ul className="govuk-list">
            {detail.reports.map((r) => (
              <li key={r.id}>
                <a className="govuk-link" href={`/people/${r.id}`}>
                  {r.fullName}
                </a>
                {r.position && <span className="cs-muted">, {r.position}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
    </Layout>
  );
}

export function PersonFormPage({
  mode,
  personId,
  personName,
  errors,
  values,
  schools,
  managers,
}: {
  mode: 'new' | 'edit';
  personId?: string;
  personName?: string;
  errors?: FieldErrors;
  values?: FormValues;
  schools: SchoolRow[];
  managers: { id: string; fullName: string; email: string }[];
}) {
  const heading = mode === 'new' ? 'Add a person' : `Change ${personName ?? 'details'}`;
  const action = mode === 'new' ? '/people/new' : `/people/${personId}/edit`;
  const cancel = mode === 'new' ? '/people' : `/people/${personId}`;
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={[{ href: '/people', label: 'People' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          <Form action={action}>
            <TextInput
              name="fullName"
              label="Full name"
              hint="As it appears on their contract: people sign agreements with this name."
              autoComplete="off"
              errors={errors}
              values={values}
            />
            <TextInput name="email" label="Work email address" type="email" spellCheck={false} autoComplete="off" errors={errors} values={values} />
            <Select
              name="kind"
              label="Kind of person"
              emptyLabel="Choose"
              options={PERSON_KIND_CODES.map((k) => ({ value: k, label: PERSON_KINDS[k] }))}
              errors={errors}
              values={values}
            />
            <TextInput name="position" label="Position or job title (optional)" errors={errors} values={values} />
            <Select
              name="lineManagerId"
              label="Line manager (optional)"
              emptyLabel="No line manager"
              options={managers.filter((m) => m.id !== personId).map((m) => ({ value: m.id, label: `${m.fullName} (${m.email})` }))}
              errors={errors}
              values={values}
            />
            <Checkboxes
              name="schoolIds"
              label="Schools"
              hint="Leave all unticked for the trust’s central team."
              small
              options={schools.map((s) => ({ value: s.id, label: s.name }))}
              errors={errors}
              values={values}
            />
            <DateInput name="startDate" label="Start date (optional)" hint="For example, 1 9 2026" errors={errors} values={values} />
            <DateInput
              name="endDate"
              label="End date (optional)"
              hint="Only if they have a leaving date. For example, 22 7 2027"
              errors={errors}
              values={values}
            />
            <TextInput
              name="externalId"
              label="MIS or HR reference (optional)"
              hint="The identifier in your MIS or HR system, so imports match this person."
              width="20"
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>{mode === 'new' ? 'Add person' : 'Save changes'}</Button>
              <CancelLink href={cancel} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export function EndDatePage({ person, errors, values }: { person: PersonRow; errors?: FieldErrors; values?: FormValues }) {
  return (
    <Layout
      title={errors ? `Error: Record that ${person.fullName} is leaving` : `Record that ${person.fullName} is leaving`}
      breadcrumbs={[
        { href: '/people', label: 'People' },
        { href: `/people/${person.id}`, label: person.fullName },
      ]}
    >
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">Record that {person.fullName} is leaving</h1>
          <p className="govuk-body">
            From the day after this date they cannot sign in, and they drop out of agreement counts. Their records and signatures are kept.
          </p>
          <Form action={`/people/${person.id}/end-date`}>
            <DateInput name="endDate" label="Last working day" hint="For example, 22 7 2026" errors={errors} values={values} />
            <ButtonGroup>
              <Button warning>Record leaving date</Button>
              <CancelLink href={`/people/${person.id}`} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export function RolesPage({
  holders,
  schools,
}: {
  holders: { id: string; role: string; schoolId: string | null; personId: string; fullName: string }[];
  schools: SchoolRow[];
}) {
  const schoolName = new Map(schools.map((s) => [s.id, s.name]));
  return (
    <Layout title="Roles" breadcrumbs={[{ href: '/people', label: 'People' }]}>
      <h1 className="govuk-heading-l">Who holds which role</h1>
      <p className="govuk-body">To give or remove a role, open the person’s page.</p>
      {ROLE_CODES.map((role) => {
        const rows = holders.filter((h) => h.role === role);
        return (
          <section key={role}>
            <h2 className="govuk-heading-m">{ROLES[role].label}</h2>
            {rows.length === 0 ? (
              <p className="govuk-body">
                <Tag tone="orange">Nobody</Tag>
              </p>
            ) : (
              <ul className="govuk-list">
                {rows.map((h) => (
                  <li key={h.id}>
                    <a className="govuk-link" href={`/people/${h.personId}`}>
                      {h.fullName}
                    </a>{' '}
                    <span className="cs-muted">({h.schoolId ? schoolName.get(h.schoolId) : 'Whole trust'})</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </Layout>
  );
}
