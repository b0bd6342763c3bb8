// pino settings: one line per request with its id; passwords, tokens, cookies and one-time links
// never reach the log.
import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Config } from './config/schema';

const REDACT = [
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  '*.password', '*.new_password', '*.current_password', '*.admin_password', '*.token', '*.secret',
];

/** One-time password links carry their token in the path: log the route, not the token. */
export function redactUrl(url: string): string {
  return url.replace(/^\/password\/[^/?]+/, '/password/[redacted]').replace(/([?&]_csrf=)[^&]*/, '$1[redacted]');
}

/** One line per request, written when it completes; the arrival of a request only at debug level. */
export class OneLinePerRequest extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const responseTime = Math.round(reply.elapsedTime * 10) / 10;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime }, 'request completed');
  }
}

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; headers?: Record<string, string | string[] | undefined> }) => ({
        method: req.method,
        url: redactUrl(req.url),
        ip: req.ip,
        userAgent: req.headers?.['user-agent'],
      }),
    },
  };
}
