import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The UI's files: `collector/ui`, next to `dist` in the package. */
export const UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../ui');

/** The page loads only its own files and talks only to its own collector. */
function secureHeaders(reply: FastifyReply): void {
  reply.header('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  reply.header('X-Content-Type-Options', 'nosniff');
}

/**
 * The built-in web UI: static files under `/ui/` (plain HTML, CSS and ES modules, no build
 * step) reading the same read API as everyone else, and uPlot for the charts under
 * `/ui/vendor/uplot/`. `GET /` redirects to it.
 */
export async function uiPlugin(app: FastifyInstance): Promise<void> {
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));
  await app.register(fastifyStatic, { root: UI_DIR, prefix: '/ui/', index: 'index.html', cacheControl: true, maxAge: 0, setHeaders: secureHeaders });
  await app.register(fastifyStatic, {
    root: uplotDir,
    prefix: '/ui/vendor/uplot/',
    decorateReply: false,
    allowedPath: (path) => path === '/uPlot.esm.js' || path === '/uPlot.min.css',
    setHeaders: secureHeaders,
  });
  app.get('/', async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/'));
}

