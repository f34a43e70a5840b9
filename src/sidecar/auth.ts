import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './http-errors.js';

/**
 * Who may call a route:
 *  - `public`: anyone (liveness only: a probe must work before anyone has a token);
 *  - `read`: anyone when no token is configured, else the bearer of the token;
 *  - `operate`: changes state (pause, resume): always the bearer of the token, and refused when no
 *    token is configured, so a process left with defaults can be read but never steered.
 */
export type Access = 'public' | 'read' | 'operate';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; `read` when absent (unknown routes included). */
    access?: Access;
  }
}

const BEARER = /^Bearer[ \t]+([^ \t]+)[ \t]*$/i;

/**
 * The onRequest hook enforcing `config.access` with the configured token (`kmirror.sidecar.token`).
 * Tokens are compared as SHA-256 digests with timingSafeEqual: the time taken says nothing about
 * how much of a guess was right, nor about the token's length. Answers never repeat what was sent.
 */
export function accessHook(token: string | undefined): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = token === undefined ? undefined : digest(token);
  return async (request, reply) => {
    const access = request.routeOptions.config.access ?? 'read';
    if (access === 'public') return;
    if (expected === undefined) {
      if (access === 'read') return;
      sendError(reply, 403, 'this route changes state and is refused while no token is configured: ' +
        'set kmirror.sidecar.token in mm2.properties and send it as "Authorization: Bearer <token>"');
      return reply;
    }
    const header = request.headers.authorization;
    const presented = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (presented === undefined) {
      reply.header('www-authenticate', 'Bearer realm="kmirror"');
      sendError(reply, 401, header === undefined
        ? 'missing "Authorization: Bearer <token>" (the token is kmirror.sidecar.token)'
        : 'the Authorization header must be "Bearer <token>"');
      return reply;
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      reply.header('www-authenticate', 'Bearer realm="kmirror", error="invalid_token"');
      sendError(reply, 401, 'the bearer token is not kmirror.sidecar.token');
      return reply;
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
