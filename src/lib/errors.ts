// Typed errors thrown by services; the error plugin turns each into the API's one error shape
// or into a page. Messages are for people; `code` is for programs.

export type FieldErrors = Record<string, { keyword: string; message: string; params?: Record<string, unknown> }>;

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly fields: FieldErrors = {},
  ) {
    super(400, 'validation_failed', message);
  }
  static field(field: string, keyword: string, message: string, params?: Record<string, unknown>): ValidationError {
    return new ValidationError(`${field}: ${message}`, { [field]: { keyword, message, params } });
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'record') {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'you are not allowed to do this') {
    super(403, 'forbidden', message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'sign-in required') {
    super(401, 'unauthorized', message);
  }
}

export class ConflictError extends AppError {
  constructor(
    message: string,
    readonly current?: unknown,
    code = 'conflict',
  ) {
    super(409, code, message);
  }
}

export class PreconditionRequiredError extends AppError {
  constructor(message = 'send the version this change is based on, as "version" in the body or an If-Match header') {
    super(428, 'version_required', message);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'too_many_requests', message);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, readonly retryAfterSeconds = 1) {
    super(503, 'unavailable', message);
  }
}
