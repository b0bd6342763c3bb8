// Starts Kehu: load config, build the app, listen, and shut down gracefully on SIGTERM/SIGINT
// (stop accepting, finish in-flight requests, stop jobs, close the database).
import { buildApp, type AppOptions } from './app';
import type { Config } from './config/schema';
import { describeDatabase } from './db/database';

export async function serve(config: Config, warnings: string[] = [], extra: Partial<AppOptions> = {}): Promise<void> {
  const started = process.hrtime.bigint();
  const app = await buildApp({ ...extra, config, background: true });
  for (const w of warnings) app.log.warn(w);
  await app.listen({ host: config.host, port: config.port });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  app.log.info({ database: describeDatabase(config), port, startupMs: Math.round(ms) }, `Kehu is ready at ${config.baseUrl} (listening on ${config.host}:${port})`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      app.log.error('shutdown took longer than 25 s; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
