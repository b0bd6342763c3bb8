// The OpenAPI document, generated from the route schemas (only routes tagged for the API), at
// /api/v1/openapi.json, and a docs page rendered by Kehu itself (no external UI, no CDN).
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import { packageJson } from '../lib/paths';

export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Kehu CRM API', version: packageJson.version, description: 'REST API of Kehu. Send `Authorization: Bearer <token>` from POST /api/v1/auth/login.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    hideUntagged: true,
  });
}, { name: 'kehu-openapi' });
