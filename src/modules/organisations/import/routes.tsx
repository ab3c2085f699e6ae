import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../../errors.ts';
import { UPLOAD_LIMIT } from '../../../web/limits.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { authorize } from '../../auth/authorize.ts';
import { TEMPLATE_CSV } from './csv.ts';
import * as service from './service.ts';
import { ImportPreviewPage, ImportUploadPage } from './views.tsx';

type MultipartBody = { file?: MultipartFile | MultipartValue; endDateMissing?: MultipartValue };

const param = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name] ?? '';

/** The upload from the multipart form. A browser sends a file part with no name when none was chosen. */
async function readUpload(request: FastifyRequest): Promise<{ upload: service.Upload } | { error: string; endDateMissing: boolean }> {
  const body = (request.body ?? {}) as MultipartBody;
  const endDateMissing = body.endDateMissing?.value === 'yes';
  const part = body.file;
  if (part?.type !== 'file' || !part.filename) return { error: 'Select a CSV file', endDateMissing };
  if (part.file.truncated) return { error: `The selected file must be smaller than ${UPLOAD_LIMIT / (1024 * 1024)} MB`, endDateMissing };
  return { upload: { fileName: part.filename, content: await part.toBuffer(), endDateMissing } };
}

export async function peopleImportRoutes(app: FastifyInstance) {
  const uploadPage = (errors?: Record<string, string>, endDateMissing = false) => (
    <ImportUploadPage maxBytes={UPLOAD_LIMIT} errors={errors} values={{ endDateMissing: endDateMissing ? 'yes' : undefined }} />
  );

  app.get('/people/import', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'people.import', { trustId: ctx.actor.trustId });
    return renderPage(request, reply, uploadPage());
  });

  app.get('/people/import/template.csv', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'people.import', { trustId: ctx.actor.trustId });
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="people-import-template.csv"').send(TEMPLATE_CSV);
  });

  app.post('/people/import', async (request, reply) => {
    const ctx = request.ctx();
    // Checked before the upload is looked at, so only an importer ever sees what is wrong with it.
    authorize(ctx.actor, 'people.import', { trustId: ctx.actor.trustId });
    const read = await readUpload(request);
    if ('error' in read) return renderPage(request, reply, uploadPage({ file: read.error }, read.endDateMissing), 422);
    try {
      const preview = await service.previewImport(ctx, read.upload);
      return renderPage(request, reply, <ImportPreviewPage preview={preview} />);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, uploadPage(error.fieldErrors, read.upload.endDateMissing), 422);
    }
  });

  app.post('/people/import/:id/apply', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const counts = await service.applyImport(ctx, param(request, 'id'));
      return redirectWithFlash(reply, '/people', `Import complete: ${counts.added} added, ${counts.updated} updated, ${counts.endDated} recorded as left`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, uploadPage(error.fieldErrors), 422);
    }
  });
}
