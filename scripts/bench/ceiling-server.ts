// The ceiling: a bare Fastify process that does no work but answer every request with a sample of
// the scenario's real responses (same bytes, same content type, same status), in turn. The bench
// drives it with the same autocannon settings as Kehu; Kehu's throughput is reported as a ratio of it.
import fs from 'node:fs';
import Fastify from 'fastify';

interface Sample {
  status: number;
  contentType: string;
  body: string;
}

async function main(): Promise<void> {
  const file = process.env.BENCH_CEILING_SAMPLES;
  if (!file) throw new Error('BENCH_CEILING_SAMPLES must name a JSON file of samples');
  const samples: Sample[] = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!samples.length) throw new Error('no samples');
  let next = 0;
  const app = Fastify({ logger: false });
  // Bodies of any type are accepted (and parsed where Fastify parses them, as Kehu would).
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/*',
    handler: async (_req, reply) => {
      const s = samples[next];
      next = (next + 1) % samples.length;
      return reply.code(s.status).type(s.contentType).send(s.body);
    },
  });
  await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_CEILING_PORT ?? 0) });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ ceiling: 'ready', port }));
  const stop = () => app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(`ceiling server failed: ${(err as Error).message}`);
  process.exit(1);
});
