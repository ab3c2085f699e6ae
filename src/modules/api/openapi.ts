import { z } from 'zod';
import type { Ctx } from '../../context.ts';
import { type FieldErrors, ValidationError } from '../../errors.ts';
import type { ApiScope } from '../auth/authorize.ts';

/**
 * The named shapes of API responses: each appears once in openapi.json under
 * components/schemas, and the endpoints refer to it there. Register a schema last in its chain
 * (after `.describe()`), since every zod method returns a new schema.
 */
export const apiSchemas = z.registry<{ id: string }>();

export const ApiError = z
  .object({
    error: z.object({
      status: z.number().int().describe('The HTTP status code, repeated'),
      message: z.string().describe('What went wrong, in plain English'),
      fields: z.record(z.string(), z.string()).optional().describe('For invalid input: a message for each field'),
    }),
  })
  .describe('Every error answers with this shape')
  .register(apiSchemas, { id: 'Error' });

const ERRORS = {
  400: 'A parameter is not valid; the message names it',
  401: 'No API key was sent, or the key is not valid or has been revoked',
  403: 'The API key does not have the scope this request needs',
  404: 'There is no such record in your trust',
  409: 'The request clashes with a record already in your trust: the message says which',
  413: 'The request body is larger than this request accepts',
} as const;
type ErrorStatus = keyof typeof ERRORS;
const BODY_400 = 'The body is not a JSON object, or a field is not valid: `fields` has a message for each field, by its name in the body';
const bodyList400 = (max: number) =>
  `The body is not JSON, is neither an object nor a list, or is a list that is empty or longer than ${max.toLocaleString('en-GB')}. Problems with single items do not fail the request: the answer lists them`;

/**
 * Bad input to the API: a ValidationError (so the answer carries `fields`) with status 400, the
 * fields named as the API names them.
 */
export class ApiInputError extends ValidationError {
  override readonly statusCode = 400;
  constructor(
    fields: FieldErrors,
    message = `Not valid: ${Object.entries(fields)
      .map(([field, error]) => `${field}: ${error}`)
      .join('; ')}`,
  ) {
    super(fields, message);
  }
}

/**
 * One endpoint under /api/v1, complete: the router registers it, checks the bearer key and its
 * scope, validates the path and query parameters with `params` and `query` (a failure answers
 * 400 with the schema's message), and openapi.json describes it, all from this definition.
 * Parameter schemas should carry error messages that name the parameter.
 */
export type ApiEndpoint<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodObject = z.ZodObject,
  R extends z.ZodType = z.ZodType,
  B extends z.ZodObject = z.ZodObject,
> = {
  method: 'GET' | 'POST';
  /** OpenAPI form, after /api/v1: `/people/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description: string;
  scope: ApiScope;
  params?: P;
  query?: Q;
  /**
   * The JSON request body (POST), a schema registered in `apiSchemas`. Give it no transforms (its
   * description is generated from it) and messages that name the field: a failure answers 400
   * with `fields`, one message per field. The body must be sent as application/json.
   */
  body?: B;
  /** The most bytes the body may have (413 beyond); 100 KB unless given. */
  bodyLimit?: number;
  /**
   * The body may be one object or a list of at most `max` of them, each checked alone against
   * `body`: the handler gets the valid ones and the problems of the others (write it with
   * defineListEndpoint). A list longer than `max`, or a body that is neither, answers 400.
   */
  bodyList?: { max: number };
  /** A schema registered in `apiSchemas`. */
  response: R;
  /** The success status: 200 unless given (201 for a POST that creates a record, 202 for one taken to be processed). */
  status?: 200 | 201 | 202;
  /** The error statuses this endpoint answers besides 401 and 403, which every endpoint can. */
  errors: Exclude<ErrorStatus, 401 | 403>[];
  handler: (ctx: Ctx, input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> }) => Promise<z.output<R>>;
};

/** Checks a definition's handler against its own schemas, then files it with the others. */
export const defineEndpoint = <P extends z.ZodObject, Q extends z.ZodObject, R extends z.ZodType, B extends z.ZodObject = z.ZodObject>(
  endpoint: ApiEndpoint<P, Q, R, B>,
) => endpoint as unknown as ApiEndpoint;

/** A body of one object or a list, as the handler of a `bodyList` endpoint gets it: by position in the list (0 for one object). */
export type ApiBodyList<T> = { items: { index: number; value: T }[]; rejected: { index: number; errors: FieldErrors }[] };

/** An endpoint taking one object or a list of them (`bodyList`): the handler gets each valid item and the problems of the others. */
export const defineListEndpoint = <P extends z.ZodObject, Q extends z.ZodObject, R extends z.ZodType, B extends z.ZodObject>(
  endpoint: Omit<ApiEndpoint<P, Q, R, B>, 'handler' | 'body' | 'bodyList'> & {
    body: B;
    bodyList: { max: number };
    handler: (ctx: Ctx, input: { params: z.output<P>; query: z.output<Q>; body: ApiBodyList<z.output<B>> }) => Promise<z.output<R>>;
  },
) => endpoint as unknown as ApiEndpoint;

/** 100 KB: far more than any concern's words need. */
export const DEFAULT_BODY_LIMIT = 100 * 1024;

const COMPONENT = '#/components/schemas/';

function ref(schema: z.ZodType) {
  const id = apiSchemas.get(schema)?.id;
  if (!id) throw new Error('An API request or response schema must be registered in apiSchemas');
  return { $ref: `${COMPONENT}${id}` };
}

const json = (schema: object) => ({ 'application/json': { schema } });

function parameters(where: 'path' | 'query', object: z.ZodObject | undefined) {
  return Object.entries(object?.shape ?? {}).map(([name, field]) => {
    const { $schema: _, description, ...schema } = z.toJSONSchema(field as z.ZodType, { io: 'input' });
    return { name, in: where, required: where === 'path' || !(field as z.ZodType).isOptional(), description, schema };
  });
}

/** The OpenAPI 3.1 description of the given endpoints, served at /api/v1/openapi.json. */
export function openApiDocument(endpoints: ApiEndpoint[], baseUrl: string) {
  const { schemas } = z.toJSONSchema(apiSchemas, { uri: (id) => `${COMPONENT}${id}` });
  const paths: Record<string, Record<string, object>> = {};
  for (const e of endpoints) {
    const statuses = ([...e.errors, 401, 403] as ErrorStatus[]).sort((a, b) => a - b);
    const limit = Math.round((e.bodyLimit ?? DEFAULT_BODY_LIMIT) / 1024);
    const body400 = e.bodyList ? bodyList400(e.bodyList.max) : BODY_400;
    const errorText = (s: ErrorStatus) => (e.body && s === 400 ? body400 : e.body && s === 413 ? `The body is larger than ${limit} KB` : ERRORS[s]);
    paths[e.path] = {
      ...paths[e.path],
      [e.method.toLowerCase()]: {
        operationId: e.operationId,
        summary: e.summary,
        description: `${e.description}\n\nNeeds an API key with the \`${e.scope}\` scope.`,
        security: [{ apiKey: [e.scope] }],
        parameters: [...parameters('path', e.params), ...parameters('query', e.query)],
        ...(e.body && e.bodyList
          ? {
              requestBody: {
                required: true,
                description: `A JSON object, or a list of at most ${e.bodyList.max.toLocaleString('en-GB')} of them, sent as application/json, of at most ${limit} KB`,
                content: json({ oneOf: [ref(e.body), { type: 'array', items: ref(e.body), minItems: 1, maxItems: e.bodyList.max }] }),
              },
            }
          : e.body
            ? { requestBody: { required: true, description: `A JSON object, sent as application/json, of at most ${limit} KB`, content: json(ref(e.body)) } }
            : {}),
        responses: {
          [e.status ?? 200]: { description: e.summary, content: json(ref(e.response)) },
          ...Object.fromEntries(statuses.map((s) => [s, { description: errorText(s), content: json(ref(ApiError)) }])),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Countersign API',
      version: '1',
      description:
        'Read and send a trust’s Countersign records from other systems. Every request needs an API key, created by a trust administrator under Settings → API keys, sent as `Authorization: Bearer <key>`. A key only ever sees its own trust. Lists are paged with cursors: pass `nextCursor` from one page as `cursor` for the next, until it is null. Fields may be added to responses within version 1; none will be removed or change meaning.',
    },
    servers: [{ url: `${baseUrl}/api/v1` }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key, like cs_1a2b3c4d_…, with the scopes the request needs' },
      },
      schemas: Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _, $id: __, ...schema }]) => [id, schema])),
    },
    paths,
  };
}
