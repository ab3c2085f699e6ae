import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../errors.ts';
import { redirectWithFlash, renderPage } from '../../web/render.tsx';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from '../auth/api-keys.ts';
import { authorize } from '../auth/authorize.ts';
import { ApiKeysPage, NewApiKeyCreatedPage, NewApiKeyPage, RevokeApiKeyPage, SettingsPage } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => (request.body ?? {}) as Body;
const param = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name] ?? '';

/** Trust settings, for trust administrators: so far, the API keys other systems use. */
export async function settingsRoutes(app: FastifyInstance) {
  app.get('/settings', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'apiKeys.manage', { trustId: ctx.actor.trustId });
    return renderPage(request, reply, <SettingsPage />);
  });

  app.get('/settings/api-keys', async (request, reply) => {
    return renderPage(request, reply, <ApiKeysPage keys={await listApiKeys(request.ctx())} />);
  });

  app.get('/settings/api-keys/new', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'apiKeys.manage', { trustId: ctx.actor.trustId });
    return renderPage(request, reply, <NewApiKeyPage />);
  });

  // The key is shown on the answer to this post rather than after a redirect, so it never has to
  // be kept anywhere (a cookie, the database) to be shown on a later request.
  app.post('/settings/api-keys/new', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const { key, apiKey } = await createApiKey(ctx, body(request));
      return renderPage(request, reply, <NewApiKeyCreatedPage apiKey={apiKey} secret={key} baseUrl={ctx.baseUrl} />);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <NewApiKeyPage errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  app.get('/settings/api-keys/:id/revoke', async (request, reply) => {
    const apiKey = await getApiKey(request.ctx(), param(request, 'id'));
    if (apiKey.revokedAt) return reply.redirect('/settings/api-keys', 303);
    return renderPage(request, reply, <RevokeApiKeyPage apiKey={apiKey} />);
  });

  app.post('/settings/api-keys/:id/revoke', async (request, reply) => {
    const apiKey = await revokeApiKey(request.ctx(), param(request, 'id'));
    return redirectWithFlash(reply, '/settings/api-keys', `API key ‘${apiKey.name}’ has been revoked`);
  });
}
