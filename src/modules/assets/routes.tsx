import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ctx } from '../../context.ts';
import { ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import type { FormValues } from '../../ui/forms.tsx';
import { joinDateParts } from '../../validation.ts';
import { UPLOAD_LIMIT } from '../../web/limits.ts';
import { redirectWithFlash, renderPage } from '../../web/render.tsx';
import { BOM, csvLine } from '../acknowledgements/compliance/csv.ts';
import { authorize } from '../auth/authorize.ts';
import { applyAssetImport, previewAssetImport, TEMPLATE_CSV } from './import.ts';
import * as service from './service.ts';
import { listQuery, statusLabel, typeLabel } from './validation.ts';
import { AssetFormPage, AssetPage, assetUrl, DisposePage, formValuesOf, ImportPreviewPage, ImportUploadPage, RegisterPage, StatusPage } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest, dates: string[] = []) => joinDateParts((request.body ?? {}) as Body, dates);
const tagOf = (request: FastifyRequest) => (request.params as { tag: string }).tag;

const CSV_COLUMNS: [string, (r: service.AssetListRow) => string | null][] = [
  ['Asset tag', (r) => r.asset.tag],
  ['Serial number', (r) => r.asset.serial],
  ['Type', (r) => typeLabel(r.asset.type)],
  ['Make', (r) => r.asset.make],
  ['Model', (r) => r.asset.model],
  ['School', (r) => r.schoolName ?? 'Whole trust'],
  ['Location', (r) => r.asset.location],
  ['Purchase date', (r) => r.asset.purchasedOn],
  ['Order reference', (r) => r.asset.orderReference],
  ['Status', (r) => statusLabel(r.asset.status)],
  ['Last changed', (r) => new Date(r.asset.updatedAt).toISOString()],
];

async function formOptions(ctx: Ctx) {
  const { schools, trustWide } = await service.schoolChoices(ctx, 'assets.manage');
  return { schools: schools.map(({ value, label }) => ({ value, label })), trustWide };
}

/** The upload from the multipart form. A browser sends a file part with no name when none was chosen. */
async function readUpload(request: FastifyRequest) {
  const part = ((request.body ?? {}) as { file?: MultipartFile | MultipartValue }).file;
  if (part?.type !== 'file' || !part.filename) return { error: 'Select a CSV file' };
  const content = await part.toBuffer();
  if (part.file.truncated) return { error: `The selected file must be smaller than ${UPLOAD_LIMIT / (1024 * 1024)} MB` };
  return { upload: { fileName: part.filename, content } };
}

export async function assetRoutes(app: FastifyInstance) {
  app.get('/assets', async (request, reply) => {
    const data = await service.listAssets(request.ctx(), listQuery.parse(request.query ?? {}));
    return renderPage(request, reply, <RegisterPage data={data} />);
  });

  app.get('/assets.csv', async (request, reply) => {
    const rows = await service.exportAssets(request.ctx(), listQuery.parse(request.query ?? {}));
    const csv = BOM + csvLine(CSV_COLUMNS.map(([header]) => header)) + rows.map((row) => csvLine(CSV_COLUMNS.map(([, cell]) => cell(row)))).join('');
    return reply
      .type('text/csv; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="assets-${londonToday()}.csv"`)
      .send(csv);
  });

  // Adding one

  app.get('/assets/new', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'assets.manage', { trustId: ctx.actor.trustId });
    const options = await formOptions(ctx);
    // The school is chosen already when there is only one to choose.
    const only = options.schools.length === 1 && !options.trustWide ? options.schools[0]?.value : undefined;
    return renderPage(request, reply, <AssetFormPage options={options} values={{ school: only }} />);
  });

  app.post('/assets/new', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request, ['purchasedOn']);
    try {
      const row = await service.createAsset(ctx, form);
      return redirectWithFlash(reply, assetUrl(row.tag), `${row.tag} has been added to the register`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <AssetFormPage options={await formOptions(ctx)} errors={error.fieldErrors} values={form as FormValues} />, 422);
    }
  });

  // Importing many (static paths win over /assets/:tag)

  const uploadPage = (errors?: Record<string, string>) => <ImportUploadPage maxBytes={UPLOAD_LIMIT} errors={errors} />;

  app.get('/assets/import', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'assets.manage', { trustId: ctx.actor.trustId });
    return renderPage(request, reply, uploadPage());
  });

  app.get('/assets/import/template.csv', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'assets.manage', { trustId: ctx.actor.trustId });
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="assets-import-template.csv"').send(TEMPLATE_CSV);
  });

  app.post('/assets/import', async (request, reply) => {
    const ctx = request.ctx();
    // Checked before the upload is looked at, so only someone who may add devices sees what is wrong with it.
    authorize(ctx.actor, 'assets.manage', { trustId: ctx.actor.trustId });
    const read = await readUpload(request);
    if (!read.upload) return renderPage(request, reply, uploadPage({ file: read.error }), 422);
    try {
      const preview = await previewAssetImport(ctx, read.upload);
      return renderPage(request, reply, <ImportPreviewPage preview={preview} />, preview.plan.rowErrors.length ? 422 : 200);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, uploadPage(error.fieldErrors), 422);
    }
  });

  app.post('/assets/import/:id/apply', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { added } = await applyAssetImport(ctx, (request.params as { id: string }).id);
      return redirectWithFlash(reply, '/assets?sort=updated&dir=desc', `Import complete: ${added} ${added === 1 ? 'device' : 'devices'} added`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, uploadPage(error.fieldErrors), 422);
    }
  });

  // One asset

  app.get('/assets/:tag', async (request, reply) => {
    const record = await service.assetRecord(request.ctx(), tagOf(request));
    return renderPage(request, reply, <AssetPage record={record} />);
  });

  app.get('/assets/:tag/edit', async (request, reply) => {
    const ctx = request.ctx();
    const asset = await service.findAssetByTag(ctx, tagOf(request), 'assets.manage');
    if (asset.status === 'disposed') return reply.redirect(assetUrl(asset.tag), 303);
    return renderPage(request, reply, <AssetFormPage asset={asset} options={await formOptions(ctx)} values={formValuesOf(asset)} />);
  });

  app.post('/assets/:tag/edit', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request, ['purchasedOn']);
    try {
      const { row, changed } = await service.updateAsset(ctx, tagOf(request), form);
      return redirectWithFlash(reply, assetUrl(row.tag), changed ? `${row.tag} has been changed` : 'Nothing was changed');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const asset = await service.findAssetByTag(ctx, tagOf(request), 'assets.manage');
      return renderPage(
        request,
        reply,
        <AssetFormPage asset={asset} options={await formOptions(ctx)} errors={error.fieldErrors} values={form as FormValues} />,
        422,
      );
    }
  });

  app.get('/assets/:tag/status', async (request, reply) => {
    const asset = await service.findAssetByTag(request.ctx(), tagOf(request), 'assets.manage');
    return renderPage(request, reply, <StatusPage asset={asset} />);
  });

  app.post('/assets/:tag/status', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    try {
      const { row } = await service.changeStatus(ctx, tagOf(request), form);
      const report = row.status === 'lost' || row.status === 'stolen' ? ': now report it as a concern, from the link on this page' : '';
      return redirectWithFlash(reply, assetUrl(row.tag), `${row.tag} is now ${statusLabel(row.status).toLowerCase()}${report}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const asset = await service.findAssetByTag(ctx, tagOf(request), 'assets.manage');
      return renderPage(request, reply, <StatusPage asset={asset} errors={error.fieldErrors} values={form as FormValues} />, 422);
    }
  });

  app.get('/assets/:tag/dispose', async (request, reply) => {
    const asset = await service.findAssetByTag(request.ctx(), tagOf(request), 'assets.manage');
    return renderPage(request, reply, <DisposePage asset={asset} values={{ disposedOn: londonToday() }} />);
  });

  app.post('/assets/:tag/dispose', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request, ['disposedOn']);
    try {
      const { row, disposal } = await service.disposeAsset(ctx, tagOf(request), form);
      return redirectWithFlash(reply, assetUrl(row.tag), `${row.tag} has been recorded as disposed of, with certificate ${disposal.certificateNumber}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const asset = await service.findAssetByTag(ctx, tagOf(request), 'assets.manage');
      return renderPage(request, reply, <DisposePage asset={asset} errors={error.fieldErrors} values={form as FormValues} />, 422);
    }
  });
}
