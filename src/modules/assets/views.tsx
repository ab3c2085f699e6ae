import type { FieldErrors } from '../../errors.ts';
import { type Column, InsetText, PagedTable, PageHeading, Paragraphs, SummaryList, Table, Tag, WarningText } from '../../ui/components.tsx';
import { CsvColumns, CsvFileField, CsvProblems } from '../../ui/csv-upload.tsx';
import { formatDate, formatDateTime, plural } from '../../ui/format.ts';
import {
  Button,
  ButtonGroup,
  CancelLink,
  Checkboxes,
  DateInput,
  ErrorSummary,
  Form,
  type FormValues,
  type Option,
  Radios,
  Select,
  Textarea,
  TextInput,
} from '../../ui/forms.tsx';
import { Layout } from '../../ui/layout.tsx';
import { type AssetImportPreview, COLUMNS, MAX_ROWS } from './import.ts';
import { ASSET_STATUSES, type AssetStatus } from './schema.ts';
import {
  type AssetList,
  type AssetListRow,
  type AssetRecord,
  type AssetRow,
  assetName,
  disposalBlockedReason,
  manualMovesFrom,
  PAGE_SIZE,
  statusLockedReason,
} from './service.ts';
import { ASSET_STATUS_CODES, ASSET_TYPE_CODES, type AssetListQuery, listParams, statusLabel, typeLabel } from './validation.ts';

const CRUMBS = [{ href: '/', label: 'Home' }];
const REGISTER_CRUMBS = [...CRUMBS, { href: '/assets', label: 'Assets' }];
const title = (heading: string, errors?: FieldErrors) => (errors && Object.keys(errors).length ? `Error: ${heading}` : heading);
export const assetUrl = (tag: string, rest = '') => `/assets/${encodeURIComponent(tag)}${rest}`;
const recordCrumbs = (a: Pick<AssetRow, 'tag'>) => [...REGISTER_CRUMBS, { href: assetUrl(a.tag), label: a.tag }];

export function StatusTag({ status }: { status: AssetStatus }) {
  const s = ASSET_STATUSES[status];
  return <Tag tone={s?.tone ?? 'grey'}>{s?.label ?? status}</Tag>;
}

const registerUrl = (q: AssetListQuery, overrides: Partial<AssetListQuery> = {}) => {
  const params = listParams(q, overrides);
  return params ? `/assets?${params}` : '/assets';
};

// ---------------------------------------------------------------------------------------------
// The register

export function RegisterPage({ data }: { data: AssetList }) {
  const q = data.query;
  const columns: Column<AssetListRow>[] = [
    {
      header: 'Tag',
      sortKey: 'tag',
      cell: (r) => (
        <a className="govuk-link" href={assetUrl(r.asset.tag)}>
          {r.asset.tag}
        </a>
      ),
    },
    { header: 'Serial number', sortKey: 'serial', cell: (r) => r.asset.serial },
    { header: 'Type', sortKey: 'type', cell: (r) => typeLabel(r.asset.type) },
    { header: 'Make and model', sortKey: 'make', cell: (r) => [r.asset.make, r.asset.model].filter(Boolean).join(' ') },
    {
      header: 'School',
      sortKey: 'school',
      cell: (r) => (
        <>
          {r.schoolName ?? 'Whole trust'}
          {r.asset.location && <span className="govuk-body-s cs-muted govuk-!-display-block">{r.asset.location}</span>}
        </>
      ),
    },
    { header: 'Status', sortKey: 'status', cell: (r) => <StatusTag status={r.asset.status} /> },
    { header: 'Bought', sortKey: 'purchased', cell: (r) => formatDate(r.asset.purchasedOn) },
  ];
  const schoolOptions: Option[] = [...data.schools, ...(data.trustWide ? [{ value: 'trust', label: 'Whole trust (central stock)' }] : [])];
  const exportParams = listParams({ ...q, page: 1 });
  return (
    <Layout title="Assets" breadcrumbs={CRUMBS}>
      <PageHeading
        actions={
          data.canAdd ? (
            <div className="govuk-button-group">
              <a href="/assets/new" className="govuk-button" data-module="govuk-button">
                Add a device
              </a>
              <a href="/assets/import" className="govuk-button govuk-button--secondary" data-module="govuk-button">
                Import from a spreadsheet
              </a>
            </div>
          ) : undefined
        }
      >
        Assets
      </PageHeading>
      <p className="govuk-body">
        The school’s devices, recorded on arrival. Each has a history of everything that happened to it. Records are never deleted: a device that is disposed of
        stays here with its wipe record.
      </p>
      <form method="get" action="/assets" className="cs-filters" role="search" aria-label="Search and filter the register">
        <div className="cs-filters__row">
          <TextInput name="q" type="search" label="Search" hint="Tag, serial number, make or model" values={{ q: q.q }} width="20" />
          <Select
            name="status"
            label="Status"
            emptyLabel="Any status"
            options={ASSET_STATUS_CODES.map((s) => ({ value: s, label: statusLabel(s) }))}
            values={{ status: q.status }}
          />
          <Select
            name="type"
            label="Type"
            emptyLabel="Any type"
            options={ASSET_TYPE_CODES.map((t) => ({ value: t, label: typeLabel(t) }))}
            values={{ type: q.type }}
          />
          {schoolOptions.length > 1 && <Select name="school" label="School" emptyLabel="Every school" options={schoolOptions} values={{ school: q.school }} />}
          {q.sort !== 'tag' && <input type="hidden" name="sort" value={q.sort} />}
          {q.dir !== 'asc' && <input type="hidden" name="dir" value={q.dir} />}
          <div className="govuk-form-group">
            <Button secondary>Search</Button>
          </div>
        </div>
      </form>
      <PagedTable
        caption="Devices"
        columns={columns}
        rows={data.rows}
        rowKey={(r) => r.asset.id}
        sort={{ current: q.sort, dir: q.dir, href: (key, dir) => registerUrl(q, { sort: key as AssetListQuery['sort'], dir, page: 1 }) }}
        empty={q.q || q.status || q.type || q.school ? 'No devices match this search.' : 'No devices are recorded yet.'}
        paging={{ page: q.page, pageSize: PAGE_SIZE, total: data.total, noun: ['device', 'devices'], href: (page) => registerUrl(q, { page }) }}
      />
      {data.total > 0 && (
        <p className="govuk-body">
          <a className="govuk-link" href={exportParams ? `/assets.csv?${exportParams}` : '/assets.csv'}>
            Download these {plural(data.total, 'device')} (CSV)
          </a>
        </p>
      )}
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Adding and editing

export type SchoolOptions = { schools: Option[]; trustWide: boolean };

export function AssetFormPage({ asset, options, errors, values }: { asset?: AssetRow; options: SchoolOptions; errors?: FieldErrors; values?: FormValues }) {
  const heading = asset ? `Change ${asset.tag}` : 'Add a device';
  const schoolOptions: Option[] = [...options.schools, ...(options.trustWide ? [{ value: 'trust', label: 'Whole trust (central stock)' }] : [])];
  const cancel = asset ? assetUrl(asset.tag) : '/assets';
  return (
    <Layout title={title(heading, errors)} breadcrumbs={asset ? recordCrumbs(asset) : REGISTER_CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          {errors?.form && <p className="govuk-error-message">{errors.form}</p>}
          <h1 className="govuk-heading-l">{heading}</h1>
          <Form action={asset ? assetUrl(asset.tag, '/edit') : '/assets/new'}>
            <TextInput
              name="tag"
              label="Asset tag"
              hint="As on the device’s label, like OPS-LT-0142"
              width="20"
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <TextInput name="serial" label="Serial number" width="30" spellCheck={false} errors={errors} values={values} />
            <Select
              name="type"
              label="Type"
              emptyLabel="Choose the type"
              options={ASSET_TYPE_CODES.map((t) => ({ value: t, label: typeLabel(t) }))}
              errors={errors}
              values={values}
            />
            <TextInput name="make" label="Make (optional)" hint="Who made it, like Dell or Apple" width="20" errors={errors} values={values} />
            <TextInput name="model" label="Model (optional)" width="30" errors={errors} values={values} />
            <Select
              name="school"
              label="School"
              emptyLabel={schoolOptions.length > 1 ? 'Choose the school' : undefined}
              options={schoolOptions}
              errors={errors}
              values={values}
            />
            <TextInput name="location" label="Location (optional)" hint="Where it is kept, like IT office cupboard 2" errors={errors} values={values} />
            <DateInput name="purchasedOn" label="Purchase date (optional)" hint="For example, 1 9 2025" errors={errors} values={values} />
            <TextInput name="orderReference" label="Order reference (optional)" width="20" errors={errors} values={values} />
            <Textarea name="notes" label="Notes (optional)" rows={3} errors={errors} values={values} />
            <ButtonGroup>
              <Button>{asset ? 'Save changes' : 'Add the device'}</Button>
              <CancelLink href={cancel} />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export const formValuesOf = (a: AssetRow): FormValues => ({
  tag: a.tag,
  serial: a.serial,
  type: a.type,
  make: a.make ?? '',
  model: a.model ?? '',
  school: a.schoolId ?? 'trust',
  location: a.location ?? '',
  purchasedOn: a.purchasedOn ?? '',
  orderReference: a.orderReference ?? '',
  notes: a.notes ?? '',
});

// ---------------------------------------------------------------------------------------------
// The record

const SOURCES: Record<string, string> = { form: 'Added by hand', import: 'Imported from a spreadsheet', api: 'From a device-management tool (API)' };

export function AssetPage({ record }: { record: AssetRecord }) {
  const { asset, disposal } = record;
  const actions = record.canManage || record.canLend;
  return (
    <Layout title={`${asset.tag}: ${assetName(asset)}`} breadcrumbs={REGISTER_CRUMBS}>
      <PageHeading
        caption={assetName(asset)}
        actions={
          actions ? (
            <div className="govuk-button-group">
              {record.canLend && asset.status === 'in_stock' && (
                <a href={`/loans/new?asset=${encodeURIComponent(asset.tag)}`} className="govuk-button" data-module="govuk-button">
                  Lend it
                </a>
              )}
              {record.canManage && !statusLockedReason(asset) && (
                <a href={assetUrl(asset.tag, '/status')} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                  Change status
                </a>
              )}
              {record.canManage && asset.status !== 'disposed' && (
                <a href={assetUrl(asset.tag, '/edit')} className="govuk-button govuk-button--secondary" data-module="govuk-button">
                  Change details
                </a>
              )}
              {record.canManage && !disposalBlockedReason(asset) && (
                <a href={assetUrl(asset.tag, '/dispose')} className="govuk-button govuk-button--warning" data-module="govuk-button">
                  Dispose of it
                </a>
              )}
            </div>
          ) : undefined
        }
      >
        {asset.tag}
      </PageHeading>
      <p className="govuk-body">
        <StatusTag status={asset.status} />
      </p>
      {(asset.status === 'lost' || asset.status === 'stolen') && (
        <InsetText>
          A {statusLabel(asset.status).toLowerCase()} device must be reported so that IT services and the head teacher are told, and a data breach is opened if
          it held personal data.{' '}
          <a className="govuk-link" href="/concerns/new/device_lost">
            Report the {statusLabel(asset.status).toLowerCase()} device
          </a>{' '}
          (give the tag {asset.tag} in the report).
        </InsetText>
      )}
      {asset.status === 'on_loan' && <InsetText>This device is on loan. It comes back through the loan’s return.</InsetText>}
      <SummaryList
        rows={[
          { key: 'Asset tag', value: asset.tag },
          { key: 'Serial number', value: asset.serial },
          { key: 'Type', value: typeLabel(asset.type) },
          { key: 'Make', value: asset.make },
          { key: 'Model', value: asset.model },
          { key: 'School', value: record.schoolName ?? 'Whole trust (central stock)' },
          { key: 'Location', value: asset.location },
          { key: 'Purchase date', value: formatDate(asset.purchasedOn) },
          { key: 'Order reference', value: asset.orderReference },
          { key: 'Notes', value: asset.notes ? <Paragraphs text={asset.notes} /> : null },
          { key: 'Recorded', value: `${formatDateTime(asset.createdAt)} · ${SOURCES[asset.source] ?? asset.source}` },
        ]}
      />
      {disposal && (
        <>
          <h2 className="govuk-heading-m">Disposal</h2>
          <SummaryList
            rows={[
              { key: 'Disposed of on', value: formatDate(disposal.disposedOn) },
              { key: 'How the data was wiped', value: disposal.wipeMethod },
              { key: 'Wiped by', value: disposal.wipedBy },
              { key: 'Certificate number', value: disposal.certificateNumber },
              { key: 'Recorded', value: formatDateTime(disposal.recordedAt) },
            ]}
          />
        </>
      )}
      <section aria-labelledby="history">
        <h2 className="govuk-heading-m" id="history">
          History
        </h2>
        <ol className="cs-todo-list" aria-label="History entries">
          {record.history.map((e) => (
            <li key={e.id}>
              <p className="govuk-body-s cs-muted govuk-!-margin-bottom-1">
                {formatDateTime(e.at)} · {e.actorName}
              </p>
              <Paragraphs text={e.text} />
            </li>
          ))}
        </ol>
      </section>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Status and disposal

const MOVE_LABELS: Record<string, { label: string; hint?: string }> = {
  in_stock: { label: 'In stock', hint: 'Back from repair, or found' },
  in_repair: { label: 'In repair', hint: 'Sent for repair or waiting for it' },
  lost: { label: 'Lost', hint: 'You will be asked to report it as a concern' },
  stolen: { label: 'Stolen', hint: 'You will be asked to report it as a concern, with the police crime reference' },
};

export function StatusPage({ asset, errors, values }: { asset: AssetRow; errors?: FieldErrors; values?: FormValues }) {
  const heading = `Change the status of ${asset.tag}`;
  const locked = statusLockedReason(asset);
  const moves = manualMovesFrom(asset.status);
  return (
    <Layout title={title(heading, errors)} breadcrumbs={recordCrumbs(asset)}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">{assetName(asset)}</span>
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            It is <StatusTag status={asset.status} /> now.
          </p>
          {locked ? (
            <>
              <p className="govuk-body">{locked}</p>
              <p className="govuk-body">
                <a className="govuk-link" href={assetUrl(asset.tag)}>
                  Back to {asset.tag}
                </a>
              </p>
            </>
          ) : (
            <Form action={assetUrl(asset.tag, '/status')}>
              <Radios
                name="status"
                label="New status"
                options={moves.map((m) => ({ value: m, label: MOVE_LABELS[m]?.label ?? m, hint: MOVE_LABELS[m]?.hint }))}
                errors={errors}
                values={values}
              />
              <Textarea
                name="note"
                label="What happened"
                hint="Needed for lost or stolen: when and where it was last seen. For a repair: the fault and who is repairing it. Added to the device’s history."
                rows={4}
                errors={errors}
                values={values}
              />
              <p className="govuk-body">To lend it, use “Lend it” on its page. To dispose of it, use “Dispose of it”: that needs the wipe record.</p>
              <ButtonGroup>
                <Button>Save the status</Button>
                <CancelLink href={assetUrl(asset.tag)} />
              </ButtonGroup>
            </Form>
          )}
        </div>
      </div>
    </Layout>
  );
}

export function DisposePage({ asset, errors, values }: { asset: AssetRow; errors?: FieldErrors; values?: FormValues }) {
  const heading = `Dispose of ${asset.tag}`;
  const blocked = disposalBlockedReason(asset);
  return (
    <Layout title={title(heading, errors)} breadcrumbs={recordCrumbs(asset)}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <span className="govuk-caption-l">
            {assetName(asset)}, serial number {asset.serial}
          </span>
          <h1 className="govuk-heading-l">{heading}</h1>
          {blocked ? (
            <>
              <p className="govuk-body">{blocked}</p>
              <p className="govuk-body">
                <a className="govuk-link" href={assetUrl(asset.tag)}>
                  Back to {asset.tag}
                </a>
              </p>
            </>
          ) : (
            <>
              <WarningText>
                Disposal is final. Once recorded, the device cannot be lent, repaired or changed again. Its record stays in the register.
              </WarningText>
              <p className="govuk-body">
                A device may only be disposed of once its data has been wiped (003 §8.6.6). Record how, by whom, and the certificate.
              </p>
              <Form action={assetUrl(asset.tag, '/dispose')}>
                <DateInput name="disposedOn" label="Date it was disposed of" hint="For example, 27 3 2026" errors={errors} values={values} />
                <TextInput
                  name="wipeMethod"
                  label="How the data was wiped"
                  hint="For example: certified erasure software, drive shredded, factory reset of an encrypted phone"
                  errors={errors}
                  values={values}
                />
                <TextInput name="wipedBy" label="Wiped by" hint="The person or the company that did it" errors={errors} values={values} />
                <TextInput name="certificateNumber" label="Certificate number" width="20" errors={errors} values={values} />
                <Checkboxes
                  name="confirm"
                  label="Confirm"
                  options={[{ value: 'yes', label: `I understand that disposing of ${asset.tag} is final` }]}
                  errors={errors}
                  values={values}
                />
                <ButtonGroup>
                  <Button warning>Dispose of {asset.tag}</Button>
                  <CancelLink href={assetUrl(asset.tag)} />
                </ButtonGroup>
              </Form>
            </>
          )}
        </div>
      </div>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Import

const IMPORT_TITLE = 'Import devices from a spreadsheet';

export function ImportUploadPage({ maxBytes, errors }: { maxBytes: number; errors?: FieldErrors }) {
  return (
    <Layout title={title(IMPORT_TITLE, errors)} breadcrumbs={REGISTER_CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{IMPORT_TITLE}</h1>
          <p className="govuk-body">
            Add devices from a delivery note or an existing register. You will see what will be added before anything is saved, and nothing is added unless
            every line is right.
          </p>
          <p className="govuk-body">
            The import only adds devices: a tag or serial number already in the register is a problem on its line. Change a device already here on its own page.
          </p>
        </div>
      </div>
      <CsvColumns columns={COLUMNS} templateHref="/assets/import/template.csv" note="Every device is added as in stock." />
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <Form action="/assets/import" multipart>
            <CsvFileField errors={errors} maxBytes={maxBytes} maxRows={MAX_ROWS} noun="devices" />
            <ButtonGroup>
              <Button>Upload and preview</Button>
              <CancelLink href="/assets" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}

export function ImportPreviewPage({ preview }: { preview: AssetImportPreview }) {
  const { plan } = preview;
  const problems = plan.rowErrors.length;
  const heading = 'Check the import';
  return (
    <Layout title={problems ? `Error: ${heading}` : heading} breadcrumbs={[...REGISTER_CRUMBS, { href: '/assets/import', label: 'Import' }]}>
      <ErrorSummary
        errors={problems ? { problems: `The file has ${plural(problems, 'problem')}. Nothing can be imported until they are fixed.` } : undefined}
      />
      <span className="govuk-caption-l">{preview.fileName}</span>
      <h1 className="govuk-heading-l">{heading}</h1>
      <CsvProblems warnings={plan.warnings} rowErrors={plan.rowErrors} uploadHref="/assets/import" />
      {problems === 0 && (
        <>
          <p className="govuk-body">{plural(plan.creates.length, 'device')} will be added to the register, in stock.</p>
          <Table
            caption="To be added"
            columns={[
              { header: 'Line', cell: (c) => c.line, numeric: true },
              { header: 'Tag', cell: (c) => c.fields.tag },
              { header: 'Serial number', cell: (c) => c.fields.serial },
              { header: 'Type', cell: (c) => typeLabel(c.fields.type) },
              { header: 'Make and model', cell: (c) => [c.fields.make, c.fields.model].filter(Boolean).join(' ') },
              { header: 'School', cell: (c) => c.schoolName },
              { header: 'Bought', cell: (c) => formatDate(c.fields.purchasedOn) },
            ]}
            rows={plan.creates}
            rowKey={(c) => String(c.line)}
          />
          {preview.batchId && (
            <Form action={`/assets/import/${preview.batchId}/apply`}>
              <ButtonGroup>
                <Button>Import {plural(plan.creates.length, 'device')}</Button>
                <CancelLink href="/assets/import" />
              </ButtonGroup>
            </Form>
          )}
        </>
      )}
    </Layout>
  );
}
