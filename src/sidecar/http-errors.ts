import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import type { Logger } from '../log.js';

/**
 * Every error the sidecar answers has one JSON shape, fastify's own:
 *   { "statusCode": 404, "error": "Not Found", "message": "…" }
 * also for clients that asked for protobuf. Messages name the parameter that was wrong and what
 * it must be; they never repeat header values (the token) and never carry internal error text
 * (that goes to the log).
 */
export interface ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
}

export function sendError(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

/** The request path without its query string (which may carry anything a caller typed). */
export function pathOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q < 0 ? request.url : request.url.slice(0, q);
}

/**
 * Unknown routes (and known paths with another method): 404 in JSON that never repeats the path
 * (it may carry anything a caller typed, a secret pasted into the wrong place included). With a
 * token configured only its bearer gets here (the access hook answers everyone else 401, the
 * same for every path, so routes cannot be probed): the bearer is told which routes exist. A
 * caller without a token learns only that there is no such route.
 */
export function notFoundHandler(routes: () => readonly string[], authenticated: (request: FastifyRequest) => boolean) {
  return (request: FastifyRequest, reply: FastifyReply): void => {
    if (!authenticated(request)) {
      sendError(reply, 404, 'no such route (routes: see the README, "Sidecar (HTTP)")');
      return;
    }
    sendError(reply, 404, `no route for ${request.method} on this path; the routes are: ${routes().join(', ')}`);
  };
}

/**
 * URLs fastify refuses before routing (bad percent-encoding, a parameter longer than the router
 * takes): fastify's own answer quotes the whole path and skips the access hook. Here the caller
 * passes the same access check as on any route first (without the token: the same 401 as
 * everywhere), then gets a 400 or 414 that does not repeat the path either.
 */
export function frameworkErrorHandler(authorize: (request: FastifyRequest, reply: FastifyReply) => boolean) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    if (!authorize(request, reply)) return;
    if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') sendError(reply, 414, 'a path parameter is longer than any the routes take');
    else if (err.code === 'FST_ERR_BAD_URL') sendError(reply, 400, 'the path is not a valid URL (bad percent-encoding)');
    else sendError(reply, 500, 'internal error (details in the kmirror log)');
  };
}

/** Validation and client errors as they are (4xx), anything else as a 500 with the details in the log only. */
export function errorHandler(log: Logger) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const statusCode = err.validation ? 400 : err.statusCode ?? 500;
    if (statusCode >= 400 && statusCode < 500) {
      log.debug({ method: request.method, path: pathOf(request), statusCode, code: err.code }, err.message);
      sendError(reply, statusCode, err.message);
      return;
    }
    log.error({ method: request.method, path: pathOf(request), err }, 'sidecar request failed');
    sendError(reply, 500, 'internal error (details in the kmirror log)');
  };
}

/**
 * Turns route-schema violations into one readable line: where (`querystring.source`), then what
 * the value must be, taken from the schema's `description` (so each rule is written once, next to
 * the pattern it explains). Needs Ajv's `verbose` option for `parentSchema`.
 */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const lines = errors.map((e) => {
    const path = e.instancePath.split('/').filter(Boolean).join('.');
    const where = path === '' ? dataVar : `${dataVar}.${path}`;
    const schema = (e as { parentSchema?: { description?: string; properties?: Record<string, unknown> } }).parentSchema;
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        return `${where}.${String(params.missingProperty)}: required`;
      case 'additionalProperties': {
        const knownNames = Object.keys(schema?.properties ?? {});
        return `${where}: unknown ${dataVar === 'body' ? 'field' : 'parameter'} '${String(params.additionalProperty)}'` +
          (knownNames.length > 0 ? ` (known: ${knownNames.join(', ')})` : ' (none are taken)');
      }
      case 'pattern':
      case 'minLength':
      case 'maxLength':
      case 'minItems':
      case 'maxItems':
      case 'type':
        return `${where}: must be ${schema?.description ?? e.message?.replace(/^must be /, '') ?? 'valid'}`;
      default:
        return `${where}: ${e.message ?? 'is not valid'}`;
    }
  });
  return new Error(lines.join('; '));
}
