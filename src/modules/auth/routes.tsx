import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TooManyRequestsError } from '../../errors.ts';
import { emailField, toFieldErrors } from '../../validation.ts';
import { SESSION_COOKIE } from '../../web/app.tsx';
import { renderPage } from '../../web/render.tsx';
import { demoPersonas } from '../demo/service.ts';
import { checkMagicLink, consumeMagicLink, type NewSession, requestMagicLink, signInWithPassword, signOut } from './service.ts';
import { CheckEmailPage, LinkPage, PasswordPage, SignInPage } from './views.tsx';

const publicRoute = { config: { public: true } };

/** Only same-site paths may be redirected to after sign-in. */
export const safeNext = (value: unknown) => (typeof value === 'string' && /^\/(?!\/)[^\s\\]*$/.test(value) ? value : undefined);

/** Where a sign-in lands: where the link or form said, else a first sign-in on what to sign, else home. */
const landingPath = (session: NewSession, next: string | undefined) => next ?? (session.firstSignIn ? '/agreements?welcome=1' : '/');

const meta = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] ?? null, requestId: request.id });

export function setSessionCookie(reply: FastifyReply, session: NewSession) {
  reply.setCookie(SESSION_COOKIE, session.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: reply.server.config.secureCookies,
    expires: session.expiresAt,
  });
}

export async function authRoutes(app: FastifyInstance) {
  const { config, db } = app;

  app.get('/sign-in', publicRoute, async (request, reply) => {
    const next = safeNext((request.query as Record<string, unknown>).next);
    return renderPage(request, reply, <SignInPage next={next} personas={config.demo ? await demoPersonas(db) : undefined} />);
  });

  app.post('/sign-in', publicRoute, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    const parsed = z.object({ email: emailField() }).safeParse(body);
    if (!parsed.success) {
      const personas = config.demo ? await demoPersonas(db) : undefined;
      return renderPage(request, reply, <SignInPage errors={toFieldErrors(parsed.error)} values={body} next={safeNext(body.next)} personas={personas} />, 422);
    }
    await requestMagicLink(db, config, parsed.data.email, meta(request));
    return renderPage(request, reply, <CheckEmailPage email={parsed.data.email} demo={config.demo} />);
  });

  app.get('/sign-in/link', publicRoute, async (request, reply) => {
    const token = String((request.query as Record<string, unknown>).token ?? '');
    const state = token ? await checkMagicLink(db, token) : 'unknown';
    return renderPage(request, reply, <LinkPage token={token} state={state} />, state === 'valid' ? 200 : 410);
  });

  app.post('/sign-in/link', publicRoute, async (request, reply) => {
    const token = String((request.body as Record<string, unknown> | undefined)?.token ?? '');
    const result = token ? await consumeMagicLink(db, config, token, meta(request)) : 'unknown';
    if (typeof result === 'string') return renderPage(request, reply, <LinkPage token="" state={result === 'valid' ? 'unknown' : result} />, 410);
    setSessionCookie(reply, result);
    return reply.redirect(landingPath(result, safeNext(result.nextPath ?? undefined)), 303);
  });

  app.get('/sign-in/password', publicRoute, async (request, reply) => {
    const next = safeNext((request.query as Record<string, unknown>).next);
    return renderPage(request, reply, <PasswordPage next={next} />);
  });

  app.post('/sign-in/password', publicRoute, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    const parsed = z
      .object({ email: emailField(), password: z.string({ error: 'Enter your password' }).min(1, 'Enter your password').max(1000) })
      .safeParse(body);
    const values = { email: body.email };
    if (!parsed.success)
      return renderPage(request, reply, <PasswordPage errors={toFieldErrors(parsed.error)} values={values} next={safeNext(body.next)} />, 422);
    try {
      const session = await signInWithPassword(db, config, parsed.data.email, parsed.data.password, meta(request));
      if (!session) {
        const errors = { email: 'The email address or password is not right' };
        return renderPage(request, reply, <PasswordPage errors={errors} values={values} next={safeNext(body.next)} />, 401);
      }
      setSessionCookie(reply, session);
      return reply.redirect(landingPath(session, safeNext(body.next)), 303);
    } catch (error) {
      if (error instanceof TooManyRequestsError) {
        return renderPage(request, reply, <PasswordPage errors={{ email: error.message }} values={values} next={safeNext(body.next)} />, 429);
      }
      throw error;
    }
  });

  app.post('/sign-out', publicRoute, async (request, reply) => {
    if (request.actor?.type === 'person') await signOut(db, request.actor, meta(request));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/sign-in', 303);
  });
}
