import type { FastifyInstance } from 'fastify';
import type { Crumb } from '../../../ui/layout.tsx';
import { renderPage } from '../../../web/render.tsx';
import { can } from '../../auth/authorize.ts';
import { certificatePdf } from './certificate.ts';
import { certificateFilename } from './labels.ts';
import * as service from './service.ts';
import { AcknowledgementPage, EvidencePage, VerifyPage } from './views.tsx';

const publicRoute = { config: { public: true } };
const idOf = (params: unknown) => (params as { id: string }).id;

/** A file name safe inside a quoted Content-Disposition header. */
const headerSafe = (name: string) => name.replace(/[^\w.\- ]+/g, '_').slice(0, 120) || 'scan';

/**
 * The evidence: one signature record's page, its certificate and paper scan (the person, their
 * line manager, their head teacher, trust administrators), the public verification page printed on
 * the certificate, and the trust administrators' check of the whole chain.
 */
export async function evidenceRoutes(app: FastifyInstance) {
  app.get('/acknowledgements/:id', async (request, reply) => {
    const ctx = request.ctx();
    const view = await service.getAcknowledgement(ctx, idOf(request.params));
    const own = ctx.actor.type === 'person' && ctx.actor.personId === view.ack.personId;
    const breadcrumbs: Crumb[] = [{ href: '/', label: 'Home' }];
    if (own) breadcrumbs.push({ href: '/agreements', label: 'My agreements' });
    else if (can(ctx.actor, 'compliance.view', { trustId: ctx.actor.trustId })) breadcrumbs.push({ href: '/compliance', label: 'Compliance' });
    return renderPage(request, reply, <AcknowledgementPage view={view} breadcrumbs={breadcrumbs} />);
  });

  app.get('/acknowledgements/:id/scan', async (request, reply) => {
    const scan = await service.acknowledgementScan(request.ctx(), idOf(request.params));
    return reply
      .header('content-type', scan.contentType)
      .header('content-disposition', `inline; filename="${headerSafe(scan.fileName)}"`)
      .header('cache-control', 'private, no-store')
      .send(Buffer.from(scan.bytes));
  });

  app.get('/certificates/:id.pdf', async (request, reply) => {
    const input = await service.certificateFor(request.ctx(), idOf(request.params));
    const bytes = await certificatePdf(input);
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="${certificateFilename(input.policySlug, input.ack)}"`)
      .header('cache-control', 'private, no-store')
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  // Printed on every certificate: no sign-in, and nothing personal beyond the name.
  app.get('/verify/:id', publicRoute, async (request, reply) => {
    const record = await service.publicVerification(app.db, idOf(request.params));
    reply.header('x-robots-tag', 'noindex');
    return renderPage(request, reply, <VerifyPage record={record} />);
  });

  app.get('/evidence', async (request, reply) => {
    const last = await service.lastEvidenceCheck(request.ctx());
    return renderPage(request, reply, <EvidencePage last={last} />);
  });

  app.post('/evidence', async (request, reply) => {
    const ctx = request.ctx();
    const result = await service.checkEvidence(ctx);
    return renderPage(request, reply, <EvidencePage result={result} last={null} />);
  });
}
