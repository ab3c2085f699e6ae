import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../../errors.ts';
import { UPLOAD_LIMIT } from '../../../web/limits.ts';
import { renderPage } from '../../../web/render.tsx';
import { authorize } from '../../auth/authorize.ts';
import { TEMPLATE_CSV } from './csv.ts';
import * as service from './service.ts';
import { SignaturesImportedPage, SignaturesPreviewPage, SignaturesUploadPage } from './views.tsx';

const param = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name] ?? '';

/** The upload from the multipart form. A browser sends a file part with no name when none was chosen. */
async function readUpload(request: FastifyRequest): Promise<{ upload: service.Upload } | { error: string }> {
  const part = ((request.body ?? {}) as { file?: MultipartFile | MultipartValue }).file;
  if (part?.type !== 'file' || !part.filename) return { error: 'Select a CSV file' };
  if (part.file.truncated) return { error: `The selected file must be smaller than ${UPLOAD_LIMIT / (1024 * 1024)} MB` };
  return { upload: { fileName: part.filename, content: await part.toBuffer() } };
}

/** Importing past signatures from a CSV file: upload, check every line, then import all or nothing. */
export async function acknowledgementImportRoutes(app: FastifyInstance) {
  const uploadPage = (errors?: Record<string, string>) => <SignaturesUploadPage maxBytes={UPLOAD_LIMIT} errors={errors} />;

  app.get('/acknowledgements/import', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'acknowledgements.import', { trustId: ctx.actor.trustId });
    return renderPage(request, reply, uploadPage());
  });

  app.get('/acknowledgements/import/template.csv', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'acknowledgements.import', { trustId: ctx.actor.trustId });
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="past-signatures-template.csv"').send(TEMPLATE_CSV);
  });

  app.post('/acknowledgements/import', async (request, reply) => {
    const ctx = request.ctx();
    // Checked before the upload is looked at, so only an importer ever sees what is wrong with it.
    authorize(ctx.actor, 'acknowledgements.import', { trustId: ctx.actor.trustId });
    const read = await readUpload(request);
    if ('error' in read) return renderPage(request, reply, uploadPage({ file: read.error }), 422);
    try {
      const preview = await service.previewImport(ctx, read.upload);
      return renderPage(request, reply, <SignaturesPreviewPage preview={preview} />);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, uploadPage(error.fieldErrors), 422);
    }
  });

  app.get('/acknowledgements/import/:id', async (request, reply) => {
    const view = await service.batchView(request.ctx(), param(request, 'id'));
    if (view.status === 'previewed') return renderPage(request, reply, <SignaturesPreviewPage preview={view.preview} />);
    return renderPage(request, reply, <SignaturesImportedPage fileName={view.fileName} appliedAt={view.appliedAt} result={view.result} />);
  });

  app.post('/acknowledgements/import/:id/apply', async (request, reply) => {
    const ctx = request.ctx();
    const id = param(request, 'id');
    try {
      await service.applyImport(ctx, id);
      return reply.redirect(`/acknowledgements/import/${id}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, uploadPage(error.fieldErrors), 422);
    }
  });
}
