// One error handler: typed service errors, schema failures, malformed bodies and unknown routes
// become the API's error shape (or an error page for browsers); a 5xx never carries internals.
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ConflictError, TooManyRequestsError, ServiceUnavailableError, ValidationError, type FieldErrors } from '../lib/errors';
import { fieldErrorsOf, summarize } from '../lib/validate';
import { isTransactionConflict } from '../db/conflicts';
import { t } from '../lib/i18n';

export function isApiRequest(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/');
}

interface ErrorBody {
  code: string;
  message: string;
  fields?: FieldErrors;
  current?: unknown;
}

function describe(error: FastifyError | AppError | Error): { status: number; body: ErrorBody } {
  if (error instanceof AppError) {
    const body: ErrorBody = { code: error.code, message: error.message };
    if (error instanceof ValidationError && Object.keys(error.fields).length) body.fields = error.fields;
    if (error instanceof ConflictError && error.current !== undefined) body.current = error.current;
    return { status: error.statusCode, body };
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    const fields = fieldErrorsOf(fe.validation as never);
    const where = fe.validationContext && fe.validationContext !== 'body' ? `${fe.validationContext}: ` : '';
    return { status: 400, body: { code: 'validation_failed', message: where + summarize(fields), fields } };
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, body: { code: 'body_too_large', message: 'the request body is larger than allowed' } };
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, body: { code: 'unsupported_media_type', message: 'send application/json' } };
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (error instanceof SyntaxError && fe.statusCode === 400)) {
    return { status: 400, body: { code: 'invalid_json', message: 'the body is not valid JSON' } };
  }
  if (fe.code === 'FST_CSRF_INVALID_TOKEN' || fe.code === 'FST_CSRF_MISSING_SECRET') {
    return { status: 403, body: { code: 'csrf_failed', message: 'the form has expired or did not come from Kehu; reload the page and try again' } };
  }
  // No database connection within database.acquireTimeoutMs: overloaded, not broken (Retry-After is set below).
  if (error.name === 'KnexTimeoutError') return { status: 503, body: { code: 'unavailable', message: 'the server is busy; try again in a moment' } };
  // Postgres ended the transaction for a conflict with another one (db/conflicts.ts): all of it was rolled back.
  if (isTransactionConflict(error)) return { status: 503, body: { code: 'conflict_retry', message: 'another change to the same records was being saved at the same moment; nothing was saved; try again' } };
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return { status: fe.statusCode, body: { code: 'bad_request', message: fe.message } };
  // A full disk (SQLite's file or the attachments directory): the change was rolled back whole.
  if (fe.code === 'SQLITE_FULL' || fe.code === 'ENOSPC' || fe.code === '53100') {
    return { status: 507, body: { code: 'storage_full', message: "the server's disk is full: nothing was saved; ask your administrator to free space" } };
  }
  return { status: 500, body: { code: 'internal_error', message: 'something went wrong on the server; the error was logged' } };
}

/** Error codes whose page says what happened in the user's language (errors.codes.* in locales/). */
export const PAGE_TEXT_CODES = ['csrf_failed', 'body_too_large', 'unavailable', 'too_many_requests', 'conflict_retry', 'storage_full'] as const;

export async function sendError(req: FastifyRequest, reply: FastifyReply, status: number, body: ErrorBody): Promise<void> {
  if (isApiRequest(req) || !req.headers.accept?.includes('text/html')) {
    await reply.code(status).type('application/json; charset=utf-8').send({ error: { ...body, requestId: req.id } });
    return;
  }
  if (status === 401) {
    await reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    return;
  }
  // People read the page in their own language: these codes have a text of their own in the
  // catalogs; the API keeps its English message for programs and logs.
  const localized = (PAGE_TEXT_CODES as readonly string[]).includes(body.code);
  await reply.code(status).page('errors/error', { status, code: body.code, message: localized ? t(req.locale, `errors.codes.${body.code}`) : body.message, localized, requestId: req.id });
}

export default fp(async (app) => {
  app.setErrorHandler(async (error, req, reply) => {
    const { status, body } = describe(error as Error);
    if (status >= 500) req.log.error({ err: error }, 'request failed');
    else req.log.info({ code: body.code, status }, 'request refused');
    if (error instanceof TooManyRequestsError || error instanceof ServiceUnavailableError) reply.header('retry-after', String(error.retryAfterSeconds));
    else if (status === 503) reply.header('retry-after', '1');
    await sendError(req, reply, status, body);
  });

  app.setNotFoundHandler({}, async (req, reply) => {
    await sendError(req, reply, 404, { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
}, { name: 'kehu-errors' });
