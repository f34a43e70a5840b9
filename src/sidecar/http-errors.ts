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

/** Unknown routes (and known paths with another method): 404 in JSON. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  sendError(reply, 404, `no route ${request.method} ${pathOf(request)} (routes: see the README, "Sidecar (HTTP)")`);
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

/**
 * Replaces every secret value (the token, client passwords) with [redacted] in a text answer:
 * the last line of defence for text that comes from elsewhere (Kafka error messages in /status, a
 * path echoed in a 404). Values shorter than 6 characters are left alone: replacing them would
 * garble answers more than it protects.
 */
export function secretScrubber(secrets: readonly string[]): ((text: string) => string) | undefined {
  const values = [...new Set(secrets)].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  if (values.length === 0) return undefined;
  return (text) => {
    let out = text;
    for (const value of values) if (out.includes(value)) out = out.split(value).join('[redacted]');
    return out;
  };
}
