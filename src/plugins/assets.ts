// Every asset (CSS, the little JavaScript there is, icons) is served by the process itself from
// public/: nothing from a CDN, so Kehu works on an intranet with no way out.
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import { publicDir } from '../lib/paths';

export default fp(async (app) => {
  await app.register(fastifyStatic, { root: publicDir, serve: false });
  app.get('/assets/*', { config: { public: true }, schema: { hide: true, params: { type: 'object', properties: { '*': { type: 'string', maxLength: 200 } } } } }, (req, reply) => {
    const file = (req.params as { '*': string })['*'];
    // URLs carry ?v=<version>, so a day of caching never serves a stale file after an upgrade.
    return reply.header('cache-control', 'public, max-age=86400').sendFile(file, { cacheControl: false });
  });
  app.get('/favicon.ico', { config: { public: true }, schema: { hide: true } }, (req, reply) => reply.header('cache-control', 'public, max-age=86400').sendFile('icons/favicon.svg', { cacheControl: false }));
}, { name: 'kehu-assets' });
