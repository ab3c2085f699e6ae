import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { AppError, ForbiddenError } from '../../errors.ts';
import { authenticateApiKey } from '../auth/api-keys.ts';
import type { ApiScope } from '../auth/authorize.ts';
import { complianceEndpoints } from './compliance.ts';
import { type ApiEndpoint, openApiDocument } from './openapi.ts';
import { peopleEndpoints } from './people.ts';

/**
 * Every /api/v1 endpoint. To add one, write it with defineEndpoint() (see people.ts) and list it
 * here: its route, the key and scope check, parameter validation and its entry in openapi.json
 * all follow from that one definition.
 */
export const API_ENDPOINTS: ApiEndpoint[] = [...peopleEndpoints, ...complianceEndpoints];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API key scope an /api/v1 route needs. */
    apiScope?: ApiScope;
  }
}

const BEARER = /^Bearer +(\S+) *$/i;

function parseInput(schema: z.ZodObject | undefined, input: unknown) {
  if (!schema) return {};
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw new AppError(result.error.issues.map((i) => i.message).join('; '), 400);
  return result.data;
}

/** The JSON API: bearer API keys instead of sessions, so no cookies, no CSRF and no sign-in page. */
export async function apiRoutes(app: FastifyInstance) {
  // Checked on arrival, before any body is read, so a caller without a valid key costs nothing more.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (request.routeOptions.config.public) return;
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const actor = token ? await authenticateApiKey(app.db, token) : null;
    if (!actor) {
      reply.header('www-authenticate', token ? 'Bearer error="invalid_token"' : 'Bearer');
      throw new AppError(token ? 'The API key is not valid, or has been revoked' : 'Send an API key in the Authorization header, as Bearer <key>', 401);
    }
    const scope = request.routeOptions.config.apiScope;
    if (scope && !actor.scopes.includes(scope)) throw new ForbiddenError(`This API key does not have the ${scope} scope, which this request needs`);
    request.actor = actor;
  });

  const document = openApiDocument(API_ENDPOINTS, app.config.baseUrl);
  app.get('/openapi.json', { config: { public: true } }, async () => document);

  for (const endpoint of API_ENDPOINTS) {
    app.route({
      method: endpoint.method,
      url: endpoint.path.replace(/\{(\w+)\}/g, ':$1'),
      config: { apiScope: endpoint.scope },
      handler: async (request) =>
        endpoint.handler(request.ctx(), { params: parseInput(endpoint.params, request.params), query: parseInput(endpoint.query, request.query) }),
    });
  }
}
