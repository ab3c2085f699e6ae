import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { Ctx } from '../context.ts';
import type { Database, Db } from '../db/client.ts';
import { AppError, ValidationError } from '../errors.ts';
import { campaignRoutes } from '../modules/acknowledgements/campaigns/routes.tsx';
import { complianceRoutes } from '../modules/acknowledgements/compliance/routes.tsx';
import { evidenceRoutes } from '../modules/acknowledgements/evidence/routes.tsx';
import { acknowledgementImportRoutes } from '../modules/acknowledgements/import/routes.tsx';
import { signingRoutes } from '../modules/acknowledgements/signing/routes.tsx';
import { apiRoutes } from '../modules/api/routes.ts';
import { itDashboardRoutes } from '../modules/assets/dashboard/routes.tsx';
import { loanRoutes } from '../modules/assets/loans/routes.tsx';
import { assetRoutes } from '../modules/assets/routes.tsx';
import { auditRoutes } from '../modules/audit-log/routes.tsx';
import type { Actor } from '../modules/auth/actor.ts';
import { authRoutes } from '../modules/auth/routes.tsx';
import { loadSessionActor } from '../modules/auth/service.ts';
import { byodRoutes } from '../modules/byod/routes.tsx';
import { breachRoutes } from '../modules/concerns/breaches/routes.tsx';
import { logbookRoutes } from '../modules/concerns/logbook/routes.tsx';
import { concernRecordRoutes } from '../modules/concerns/record/routes.tsx';
import { reportRoutes } from '../modules/concerns/report/routes.tsx';
import { demoRoutes } from '../modules/demo/routes.tsx';
import { homeRoutes } from '../modules/home/routes.tsx';
import { alertRoutes } from '../modules/monitoring/alerts/routes.tsx';
import { auditEventRoutes } from '../modules/monitoring/audit-events/routes.tsx';
import { enhancedRoutes } from '../modules/monitoring/enhanced/routes.tsx';
import { ruleRoutes } from '../modules/monitoring/rules/routes.tsx';
import { monitoringSettingsRoutes } from '../modules/monitoring/settings/routes.tsx';
import { sourceRoutes } from '../modules/monitoring/sources/routes.tsx';
import { nonComplianceRoutes } from '../modules/noncompliance/routes.tsx';
import { notificationRoutes } from '../modules/notifications/routes.tsx';
import { peopleImportRoutes } from '../modules/organisations/import/routes.tsx';
import { findTrust } from '../modules/organisations/repository.ts';
import { organisationRoutes } from '../modules/organisations/routes.tsx';
import { policyEditorRoutes } from '../modules/policies/editor/routes.tsx';
import { policyImportRoutes } from '../modules/policies/import-page/routes.tsx';
import { readingRoutes } from '../modules/policies/reading/routes.tsx';
import { policyReviewRoutes } from '../modules/policies/reviews/routes.tsx';
import { policyRoutes } from '../modules/policies/routes.tsx';
import { requestRoutes } from '../modules/requests/routes.tsx';
import { settingsRoutes } from '../modules/settings/routes.tsx';
import { registerAssets } from './assets.ts';
import { receiveFilePart, removeUnclaimedUploads, watchDiskUploads } from './disk-upload.ts';
import { BODY_LIMIT, UPLOAD_LIMIT } from './limits.ts';
import { ErrorPage } from './pages/error-page.tsx';
import { renderPage } from './render.tsx';

export const SESSION_COOKIE = 'cs_session';
/** Static files are public, and a missing one is a plain 404 rather than a trip to the sign-in page. */
const PUBLIC_PREFIXES = ['/static/', '/govuk/', '/assets/'];

export { BODY_LIMIT, UPLOAD_LIMIT } from './limits.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Db;
    database: Database;
  }
  interface FastifyRequest {
    actor: Actor | null;
    trust: { id: string; name: string; slug: string } | null;
    /** The service context for the signed-in actor; throws when nobody is signed in. */
    ctx(): Ctx;
  }
  interface FastifyContextConfig {
    /** Reachable without signing in (sign-in pages, health checks, static files, the API's own auth). */
    public?: boolean;
  }
}

export type AppOptions = { config: Config; database: Database; logger?: boolean | object };

export async function buildApp({ config, database, logger }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ?? {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], remove: true },
    },
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{8,100}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.decorate('config', config);
  app.decorate('db', database.db);
  app.decorate('database', database);
  app.decorateRequest('actor', null);
  app.decorateRequest('trust', null);
  app.decorateRequest('diskUploads', null);
  app.decorateRequest('ctx', function (this: FastifyRequest): Ctx {
    if (!this.actor) throw new AppError('Sign in to continue', 401);
    return {
      db: app.db,
      actor: this.actor,
      baseUrl: config.baseUrl,
      ip: this.ip,
      requestId: this.id,
      userAgent: this.headers['user-agent']?.slice(0, 500) ?? null,
    };
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        ...(config.secureCookies ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: config.secureCookies ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyCookie, { secret: config.sessionSecret });
  await app.register(fastifyFormbody, { bodyLimit: BODY_LIMIT });
  await app.register(fastifyMultipart, {
    attachFieldsToBody: true,
    throwFileSizeLimit: false,
    limits: { fileSize: UPLOAD_LIMIT, files: 5, fields: 60, fieldSize: 100_000 },
    // Files go into memory (UPLOAD_LIMIT), except on routes with config.diskUpload (monitoring
    // logs): those are streamed to a temporary file, with the route's own limit (multipartOptions).
    onFile(part) {
      return receiveFilePart(this, part);
    },
  });
  app.addHook('onRequest', async (request, reply) => watchDiskUploads(request, reply));
  app.addHook('onResponse', async (request) => removeUnclaimedUploads(request));
  await app.register(fastifyCsrf, {
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/', secure: config.secureCookies },
    getToken: (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      const field = body?._csrf as string | { value?: string } | undefined;
      return typeof field === 'string' ? field : (field?.value ?? (req.headers['x-csrf-token'] as string | undefined));
    },
  });

  // Who is signed in: the session cookie, checked against the database on every request.
  app.addHook('onRequest', async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    if (!token || request.url.startsWith('/api/') || request.url.startsWith('/static/')) return;
    const actor = await loadSessionActor(app.db, config, token);
    if (actor) {
      request.actor = actor;
      const trust = await findTrust(app.db, actor.trustId);
      request.trust = trust ? { id: trust.id, name: trust.name, slug: trust.slug } : null;
    }
  });

  // Every page needs a signed-in person unless its route says otherwise; every form post needs a CSRF token.
  app.addHook('preHandler', (request, reply, done) => {
    const isApi = request.url.startsWith('/api/');
    const isPublic = request.routeOptions.config?.public || PUBLIC_PREFIXES.some((p) => request.url.startsWith(p));
    if (!isPublic && !request.actor && !isApi) {
      const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
      reply.redirect(`/sign-in${next}`, 303);
      return;
    }
    if (!isApi && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      app.csrfProtection(request, reply, done);
      return;
    }
    done();
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    let status = error instanceof AppError ? error.statusCode : (error.statusCode ?? 500);
    if (status < 400 || status > 599) status = 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: error.code, status }, error.message);
    const isCsrf = error.code?.startsWith('FST_CSRF');
    const message =
      status === 413 && !(error instanceof AppError)
        ? 'The file or form you sent is too large.'
        : isCsrf
          ? 'This form had expired. Go back, reload the page and try again.'
          : error instanceof AppError
            ? error.message
            : status === 400
              ? 'The request could not be understood.'
              : 'Sorry, there is a problem with the service.';
    if (status === 401 && !request.url.startsWith('/api/')) return reply.redirect('/sign-in', 303);
    return sendError(request, reply, status, status >= 500 ? 'Sorry, there is a problem with the service.' : message, error);
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, 404, 'Page not found'));

  await registerAssets(app);
  app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true } }, async (_request, reply) => {
    try {
      await database.ping();
      return { status: 'ok', database: database.kind };
    } catch {
      return reply.status(503).send({ status: 'unavailable', database: database.kind });
    }
  });

  await app.register(authRoutes);
  await app.register(homeRoutes);
  await app.register(organisationRoutes);
  await app.register(peopleImportRoutes);
  await app.register(policyRoutes);
  await app.register(policyImportRoutes);
  await app.register(policyEditorRoutes);
  await app.register(policyReviewRoutes);
  await app.register(readingRoutes);
  await app.register(signingRoutes);
  await app.register(evidenceRoutes);
  await app.register(campaignRoutes);
  await app.register(complianceRoutes);
  await app.register(acknowledgementImportRoutes);
  await app.register(reportRoutes);
  await app.register(concernRecordRoutes);
  await app.register(breachRoutes);
  await app.register(logbookRoutes);
  await app.register(nonComplianceRoutes);
  await app.register(assetRoutes);
  await app.register(loanRoutes);
  await app.register(itDashboardRoutes);
  await app.register(byodRoutes);
  await app.register(requestRoutes);
  await app.register(alertRoutes);
  await app.register(sourceRoutes);
  await app.register(ruleRoutes);
  await app.register(enhancedRoutes);
  await app.register(auditEventRoutes);
  await app.register(monitoringSettingsRoutes);
  await app.register(auditRoutes);
  await app.register(notificationRoutes);
  await app.register(settingsRoutes);
  await app.register(apiRoutes, { prefix: '/api/v1' });
  if (config.demo) await app.register(demoRoutes);
  return app;
}

function sendError(request: FastifyRequest, reply: FastifyReply, status: number, message: string, error?: Error) {
  if (request.url.startsWith('/api/')) {
    const body: Record<string, unknown> = { error: { status, message } };
    if (error instanceof ValidationError) (body.error as Record<string, unknown>).fields = error.fieldErrors;
    return reply.status(status).send(body);
  }
  return renderPage(request, reply, <ErrorPage status={status} message={message} />, status);
}
