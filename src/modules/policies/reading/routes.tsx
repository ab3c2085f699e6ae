import type { FastifyInstance, FastifyReply } from 'fastify';
import { renderPage } from '../../../web/render.tsx';
import { pdfFilename, policyPdf } from './pdf.ts';
import * as reading from './service.ts';
import { PublicPolicyPage } from './views.tsx';

const publicRoute = { config: { public: true } };

function sendPdf(reply: FastifyReply, bytes: Uint8Array, filename: string, cacheControl: string) {
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', cacheControl)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * Reading and printing: the PDF of any version a person may read, and the public page (and PDF)
 * of a public policy's version in force. The reading page itself is the policies module's
 * version page, which uses the same PolicyDocument.
 */
export async function readingRoutes(app: FastifyInstance) {
  app.get('/policies/:id/versions/:versionId.pdf', async (request, reply) => {
    const { id, versionId } = request.params as { id: string; versionId: string };
    const doc = await reading.versionForPrint(request.ctx(), id, versionId);
    return sendPdf(reply, await policyPdf(doc), pdfFilename(doc.policy, doc.version), 'private, no-store');
  });

  app.get('/p/:trustSlug/:policySlug', publicRoute, async (request, reply) => {
    const { trustSlug, policySlug } = request.params as { trustSlug: string; policySlug: string };
    const doc = await reading.publicPolicy(app.db, trustSlug, policySlug);
    return renderPage(request, reply, <PublicPolicyPage doc={doc} pdfHref={`/p/${doc.trust.slug}/${doc.policy.slug}.pdf`} />);
  });

  app.get('/p/:trustSlug/:policySlug.pdf', publicRoute, async (request, reply) => {
    const { trustSlug, policySlug } = request.params as { trustSlug: string; policySlug: string };
    const doc = await reading.publicPolicy(app.db, trustSlug, policySlug);
    // Public, but a new version can come into force at any moment: caches keep it briefly.
    return sendPdf(reply, await policyPdf(doc), pdfFilename(doc.policy, doc.version), 'public, max-age=300');
  });
}
