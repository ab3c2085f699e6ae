import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../../../errors.ts';
import { londonToday } from '../../../ui/format.ts';
import { joinDateParts } from '../../../validation.ts';
import { UPLOAD_LIMIT } from '../../../web/limits.ts';
import { readMultipartForm } from '../../../web/multipart.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { recordPaperSignature, SigningRefusedError, signAssignment, signingView } from '../service.ts';
import { currentToSign, myAgreements, paperView, signedConfirmation } from './service.ts';
import { MyAgreementsPage, PaperPage, PaperRefusalPage, RefusalPage, SignedPage, SigningPage } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;

const MAX_MB = UPLOAD_LIMIT / (1024 * 1024);
const assignmentId = (request: FastifyRequest) => (request.params as { assignmentId: string }).assignmentId;

/** The signing page's refusal (409): why it cannot be signed, and where to go instead. */
async function refuse(request: FastifyRequest, reply: FastifyReply, error: SigningRefusedError) {
  const ctx = request.ctx();
  const view = await signingView(ctx, error.assignmentId);
  const currentId = error.state === 'replaced' ? await currentToSign(ctx, view) : null;
  return renderPage(
    request,
    reply,
    <RefusalPage
      state={error.state}
      message={error.message}
      assignmentId={error.assignmentId}
      policyTitle={view.policy.title}
      versionLabel={view.version.label}
      currentId={currentId}
    />,
    409,
  );
}

/** The paper form's fields and its one scan. */
async function readPaperForm(request: FastifyRequest) {
  const { values: form, files } = await readMultipartForm(request);
  const values = joinDateParts(form, ['signedOn']);
  const scan = files.scan?.[0];
  if (!scan) return { values, scan: null, tooLarge: false };
  if (scan.tooLarge) return { values, scan: null, tooLarge: true };
  return { values, scan: { fileName: scan.fileName, bytes: scan.bytes }, tooLarge: false };
}

export async function signingRoutes(app: FastifyInstance) {
  // My agreements. After a first sign-in (?welcome=1) it goes straight to the one thing to sign, or home when there is nothing.
  app.get('/agreements', async (request, reply) => {
    const data = await myAgreements(request.ctx());
    const welcome = (request.query as Record<string, unknown>).welcome === '1';
    if (welcome && data.outstanding.length === 0) return reply.redirect('/', 303);
    if (welcome && data.outstanding.length === 1) return reply.redirect(`/agreements/${data.outstanding[0]?.id}/sign`, 303);
    return renderPage(request, reply, <MyAgreementsPage data={data} welcome={welcome} />);
  });

  app.get('/agreements/:assignmentId/sign', async (request, reply) => {
    const ctx = request.ctx();
    const view = await signingView(ctx, assignmentId(request));
    if (view.state !== 'open') return refuse(request, reply, new SigningRefusedError(view.state, view.assignment.id));
    const values = { position: view.person.position ?? '' };
    return renderPage(request, reply, <SigningPage view={view} today={londonToday()} values={values} />);
  });

  app.post('/agreements/:assignmentId/sign', async (request, reply) => {
    const ctx = request.ctx();
    const id = assignmentId(request);
    const form = (request.body ?? {}) as Body;
    try {
      await signAssignment(ctx, id, form);
      return reply.redirect(`/agreements/${id}/signed`, 303);
    } catch (error) {
      if (error instanceof SigningRefusedError) return refuse(request, reply, error);
      if (!(error instanceof ValidationError)) throw error;
      const view = await signingView(ctx, id);
      return renderPage(request, reply, <SigningPage view={view} today={londonToday()} errors={error.fieldErrors} values={form} />, 422);
    }
  });

  app.get('/agreements/:assignmentId/signed', async (request, reply) => {
    const { view, ack } = await signedConfirmation(request.ctx(), assignmentId(request));
    if (ack) return renderPage(request, reply, <SignedPage view={view} ack={ack} />);
    if (view.state === 'open' || view.state === 'signed') return reply.redirect(`/agreements/${view.assignment.id}/sign`, 303);
    return refuse(request, reply, new SigningRefusedError(view.state, view.assignment.id));
  });

  app.get('/agreements/:assignmentId/paper', async (request, reply) => {
    const row = await paperView(request.ctx(), assignmentId(request));
    if (row.state !== 'open') return renderPage(request, reply, <PaperRefusalPage state={row.state} personName={row.person.fullName} />, 409);
    return renderPage(request, reply, <PaperPage row={row} maxMb={MAX_MB} values={{ position: row.person.position ?? '' }} />);
  });

  app.post('/agreements/:assignmentId/paper', async (request, reply) => {
    const ctx = request.ctx();
    const id = assignmentId(request);
    const { values, scan, tooLarge } = await readPaperForm(request);
    try {
      const ack = await recordPaperSignature(ctx, id, values, scan);
      return redirectWithFlash(
        reply,
        `/acknowledgements/${ack.id}`,
        `${ack.personName}’s paper signature of ${ack.policyTitle} ${ack.versionLabel} has been recorded`,
      );
    } catch (error) {
      if (!(error instanceof SigningRefusedError || error instanceof ValidationError)) throw error;
      const row = await paperView(ctx, id);
      if (error instanceof SigningRefusedError)
        return renderPage(request, reply, <PaperRefusalPage state={error.state} personName={row.person.fullName} />, 409);
      const errors = tooLarge ? { ...error.fieldErrors, scan: `The scan must be smaller than ${MAX_MB} MB` } : error.fieldErrors;
      return renderPage(request, reply, <PaperPage row={row} maxMb={MAX_MB} errors={errors} values={values} />, 422);
    }
  });
}
