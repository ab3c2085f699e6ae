import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { PageContext, type PageContextValue } from '../ui/page-context.tsx';
import { navFor } from './nav.ts';

export const FLASH_COOKIE = 'cs_flash';

/** Renders a page component inside the request's page context and sends it as HTML. */
export function renderPage(request: FastifyRequest, reply: FastifyReply, element: ReactElement, status = 200): FastifyReply {
  const value: PageContextValue = {
    actor: request.actor,
    csrfToken: reply.generateCsrf(),
    path: request.url.split('?')[0] ?? '/',
    nav: navFor(request.actor, request.server.config.demo),
    flash: takeFlash(request, reply),
    demo: request.server.config.demo,
    trustName: request.trust?.name ?? null,
  };
  const html = `<!DOCTYPE html>${renderToStaticMarkup(<PageContext.Provider value={value}>{element}</PageContext.Provider>)}`;
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

function takeFlash(request: FastifyRequest, reply: FastifyReply): string | null {
  const raw = request.cookies[FLASH_COOKIE];
  if (!raw) return null;
  reply.clearCookie(FLASH_COOKIE, { path: '/' });
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid ? unsigned.value : null;
}

/** Redirects after a change, with a one-line success message for the next page. */
export function redirectWithFlash(reply: FastifyReply, location: string, message: string): FastifyReply {
  reply.setCookie(FLASH_COOKIE, message, { path: '/', httpOnly: true, sameSite: 'lax', signed: true, secure: reply.server.config.secureCookies });
  return reply.redirect(location, 303);
}
