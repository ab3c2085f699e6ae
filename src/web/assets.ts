import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const govukDist = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist', 'govuk');
const publicDir = fileURLToPath(new URL('../../public', import.meta.url));

const SYSTEM_FONTS = 'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif';

/**
 * govuk-frontend's compiled stylesheet with Countersign's own type: the GDS Transport font is
 * reserved for GOV.UK, so its @font-face rules are dropped and the system font stack used instead.
 * GOV.UK's own assets (fonts, crest, crown) are never served.
 */
function brandedGovukCss(): string {
  const css = readFileSync(path.join(govukDist, 'govuk-frontend.min.css'), 'utf8');
  return css
    .replace(/@font-face\{[^}]*GDS Transport[^}]*\}/g, '')
    .replaceAll('font-family:GDS Transport,arial,sans-serif', `font-family:${SYSTEM_FONTS}`)
    .replaceAll('font-family:GDS Transport', `font-family:${SYSTEM_FONTS}`);
}

export async function registerAssets(app: FastifyInstance) {
  const css = brandedGovukCss();
  app.get('/static/govuk.css', { config: { public: true } }, (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css),
  );
  await app.register(fastifyStatic, {
    root: publicDir,
    prefix: '/static/',
    maxAge: '1h',
    decorateReply: false,
  });
  await app.register(fastifyStatic, {
    root: govukDist,
    prefix: '/govuk/',
    allowedPath: (p) => /^\/govuk-frontend\.min\.js(\.map)?$/.test(p),
    maxAge: '1h',
    decorateReply: false,
  });
}
