import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../../errors.ts';
import { UPLOAD_LIMIT } from '../../../web/limits.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { schoolsOfTrust } from '../../organisations/service.ts';
import { assertCanImport, loadProposal, proposeFromUpload, saveImportedDraft } from './service.ts';
import { PolicyProposalPage, PolicyUploadPage, proposalDefaults } from './views.tsx';

const MAX_MB = UPLOAD_LIMIT / (1024 * 1024);
const batchId = (request: FastifyRequest) => (request.params as { batchId: string }).batchId;

export async function policyImportRoutes(app: FastifyInstance) {
  app.get('/policies/import', async (request, reply) => {
    assertCanImport(request.ctx());
    return renderPage(request, reply, <PolicyUploadPage maxMb={MAX_MB} />);
  });

  app.post('/policies/import', async (request, reply) => {
    const ctx = request.ctx();
    assertCanImport(ctx);
    const part = (request.body as { file?: MultipartFile | MultipartValue } | undefined)?.file;
    const fail = (message: string) => renderPage(request, reply, <PolicyUploadPage maxMb={MAX_MB} errors={{ file: message }} />, 422);
    if (part?.type !== 'file' || !part.filename) return fail('Select a policy document');
    if (part.file.truncated) return fail(`The selected file must be smaller than ${MAX_MB} MB`);
    try {
      const id = await proposeFromUpload(ctx, { name: part.filename, bytes: await part.toBuffer() });
      return reply.redirect(`/policies/import/${id}`, 303);
    } catch (error) {
      if (error instanceof ValidationError) return fail(error.fieldErrors.file ?? 'The document could not be read');
      throw error;
    }
  });

  app.get('/policies/import/:batchId', async (request, reply) => {
    const ctx = request.ctx();
    const { batch, proposal } = await loadProposal(ctx, batchId(request));
    const schools = await schoolsOfTrust(ctx.db, ctx.actor.trustId);
    return renderPage(
      request,
      reply,
      <PolicyProposalPage batchId={batch.id} fileName={batch.fileName} proposal={proposal} schools={schools} values={proposalDefaults(proposal)} />,
    );
  });

  app.post('/policies/import/:batchId', async (request, reply) => {
    const ctx = request.ctx();
    const form = (request.body ?? {}) as Record<string, string | string[]>;
    try {
      const { policy, draft } = await saveImportedDraft(ctx, batchId(request), form);
      return redirectWithFlash(
        reply,
        `/policies/${policy.id}/versions/${draft.id}`,
        `${policy.title} has been saved as a draft, ${draft.label}. Check its text, then record its approval.`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { batch, proposal } = await loadProposal(ctx, batchId(request));
      const schools = await schoolsOfTrust(ctx.db, ctx.actor.trustId);
      return renderPage(
        request,
        reply,
        <PolicyProposalPage
          batchId={batch.id}
          fileName={batch.fileName}
          proposal={proposal}
          schools={schools}
          errors={error.fieldErrors}
          values={{ ...proposalDefaults(proposal), ...form }}
        />,
        422,
      );
    }
  });
}
