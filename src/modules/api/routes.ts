import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { AppError, type FieldErrors, ForbiddenError } from '../../errors.ts';
import { authenticateApiKey } from '../auth/api-keys.ts';
import type { ApiScope } from '../auth/authorize.ts';
import { assetEndpoints } from './assets.ts';
import { complianceEndpoints } from './compliance.ts';
import { concernEndpoints } from './concerns.ts';
import { loanEndpoints } from './loans.ts';
import { monitoringEndpoints } from './monitoring.ts';
import { type ApiBodyList, type ApiEndpoint, ApiInputError, DEFAULT_BODY_LIMIT, openApiDocument } from './openapi.ts';
import { peopleEndpoints } from './people.ts';

/**
 * Every /api/v1 endpoint. To add one, write it with defineEndpoint() (see people.ts) and list it
 * here: its route, the key and scope check, parameter validation and its entry in openapi.json
 * all follow from that one definition.
 */
export const API_ENDPOINTS: ApiEndpoint[] = [
  ...peopleEndpoints,
  ...complianceEndpoints,
  ...concernEndpoints,
  ...assetEndpoints,
  ...loanEndpoints,
  ...monitoringEndpoints,
];

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

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A message per field for a body's problems, by the field's name in the body. */
function fieldErrors(issues: z.core.$ZodIssue[]): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) fields[key] ??= `${key} is not a field this request accepts`;
    else fields[String(issue.path[0] ?? 'body')] ??= issue.message;
  }
  return fields;
}

/** A JSON body: an object, checked field by field; every problem is named by its field. */
function parseBody(schema: z.ZodObject, input: unknown) {
  if (!isPlainObject(input)) throw new AppError('The body must be a JSON object, like {"type": "cyberbullying", …}', 400);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ApiInputError(fieldErrors(result.error.issues));
}

/**
 * A JSON body of one object or a list of at most `max`: each item is checked alone, so the valid
 * ones go on while the others are named by their position. Only the body's shape fails it all.
 */
function parseBodyList(schema: z.ZodObject, input: unknown, max: number): ApiBodyList<unknown> {
  const list = Array.isArray(input) ? input : isPlainObject(input) ? [input] : null;
  if (!list) throw new AppError(`The body must be a JSON object, or a list (array) of at most ${max.toLocaleString('en-GB')} objects`, 400);
  if (list.length === 0) throw new AppError('The body is an empty list: send at least one item', 400);
  if (list.length > max)
    throw new AppError(
      `The body is a list of ${list.length.toLocaleString('en-GB')} items; at most ${max.toLocaleString('en-GB')} are accepted in one request: send the rest in another`,
      400,
    );
  const out: ApiBodyList<unknown> = { items: [], rejected: [] };
  list.forEach((value, index) => {
    const result = isPlainObject(value) ? schema.safeParse(value) : null;
    if (!result) out.rejected.push({ index, errors: { item: 'Each item must be a JSON object' } });
    else if (result.success) out.items.push({ index, value: result.data });
    else out.rejected.push({ index, errors: fieldErrors(result.error.issues) });
  });
  return out;
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** Fastify's own errors about a body, in plain words; anything else passes through unchanged. */
function bodyError(error: Error & { code?: string }, limit: number): Error {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(`The body is larger than ${Math.round(limit / 1024)} KB, the most this request accepts`, 413);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('The body is not valid JSON', 400);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('The body is empty: send a JSON object', 400);
    default:
      return error;
  }
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

  // Errors of this plugin's routes go to the app's handler (which answers in JSON under /api),
  // after Fastify's own body errors have been given plain words.
  app.setErrorHandler(async (error: Error & { code?: string }, request, reply) => {
    const plain = bodyError(error, request.routeOptions.bodyLimit ?? DEFAULT_BODY_LIMIT);
    // The app's handler words every 413 for a web form; an API client is told the limit.
    if (plain instanceof AppError && plain.statusCode === 413) return reply.status(413).send({ error: { status: 413, message: plain.message } });
    throw plain;
  });

  const document = openApiDocument(API_ENDPOINTS, app.config.baseUrl);
  app.get('/openapi.json', { config: { public: true } }, async () => document);

  for (const endpoint of API_ENDPOINTS) {
    const body = endpoint.body;
    app.route({
      method: endpoint.method,
      url: endpoint.path.replace(/\{(\w+)\}/g, ':$1'),
      config: { apiScope: endpoint.scope },
      ...(body
        ? {
            bodyLimit: endpoint.bodyLimit ?? DEFAULT_BODY_LIMIT,
            // Checked before the body is read, so a form or a file upload is never parsed here.
            onRequest: async (request) => {
              if (!JSON_TYPE.test(request.headers['content-type'] ?? ''))
                throw new AppError('Send the body as JSON, with the header Content-Type: application/json', 400);
            },
          }
        : {}),
      handler: async (request, reply) => {
        const input = {
          params: parseInput(endpoint.params, request.params),
          query: parseInput(endpoint.query, request.query),
          body: body ? (endpoint.bodyList ? parseBodyList(body, request.body, endpoint.bodyList.max) : parseBody(body, request.body)) : {},
        };
        const result = await endpoint.handler(request.ctx(), input);
        return reply.status(endpoint.status ?? 200).send(result);
      },
    });
  }
}
