// The search results page behind the top bar's search box: companies and contacts by name (two or
// more characters, Chinese too), phone digits, email or WeChat ID, through the search service.
// It works without JavaScript; app.js adds the as-you-type dropdown over the API.
import type { FastifyInstance } from 'fastify';
import { t } from '../../lib/i18n';

export default async function searchPages(app: FastifyInstance): Promise<void> {
  const { search } = app.services;
  app.get('/search', {
    config: { permission: 'signed-in' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: { q: { type: 'string', maxLength: 100 } } } },
  }, async (req, reply) => {
    const q = ((req.query as { q?: string }).q ?? '').trim();
    const hits = q ? await search.search(req.actor!, q, 50) : [];
    return reply.page('search/index', {
      title: q ? `${t(req.locale, 'search.title')}: ${q}` : t(req.locale, 'search.title'),
      q,
      searched: Boolean(q),
      companies: hits.filter((h) => h.type === 'companies'),
      contacts: hits.filter((h) => h.type === 'contacts'),
      total: hits.length,
    });
  });
}
