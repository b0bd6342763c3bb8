// With SQLite group commit (src/db/durability.ts) a commit is not yet on disk when the request's
// handler returns: an answer to a write (any method but GET, HEAD and OPTIONS) waits here for the
// flush that covers it, off the event loop, and is a 500 if the disk refused it. Reads never wait.
import fp from 'fastify-plugin';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export default fp(async (app) => {
  const durability = app.core.db.durability;
  if (!durability) return;
  app.addHook('onSend', async (req) => {
    if (!READS.has(req.method)) await durability.flush();
  });
}, { name: 'kehu-durable-answers' });
