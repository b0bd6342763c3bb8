// Optimistic concurrency for PATCH: the version a change is based on comes as "version" in the
// body or as an If-Match header; without either the API answers 428.
import type { FastifyRequest } from 'fastify';
import { PreconditionRequiredError, ValidationError } from '../lib/errors';

export function versionFrom<T extends { version: number }>(req: FastifyRequest): T {
  const body = { ...(req.body as Record<string, unknown>) };
  if (body.version === undefined) {
    const header = req.headers['if-match'];
    if (header === undefined) throw new PreconditionRequiredError();
    const version = Number(String(header).replace(/^W\//, '').replace(/"/g, ''));
    if (!Number.isInteger(version) || version < 1) throw ValidationError.field('if-match', 'version', 'must be a record version such as "3"');
    body.version = version;
  }
  return body as T;
}
