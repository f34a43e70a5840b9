import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
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
 * The access check for `access` with the configured token (`kmirror.sidecar.token`): true when
 * the request may go on, else the refusal is sent and false returned. Answers never repeat what
 * was sent. A request that presented the token is remembered (isAuthenticated).
 */
export function accessCheck(token: string | undefined): (request: FastifyRequest, reply: FastifyReply, access: Access) => boolean {
  const matches = token === undefined ? undefined : tokenMatcher(token);
  return (request, reply, access) => {
    if (access === 'public' || (matches === undefined && access === 'read')) return true;
    if (matches === undefined) {
      sendError(reply, 403, 'this route changes state and is refused while no token is configured: ' +
        'set kmirror.sidecar.token in mm2.properties and send it as "Authorization: Bearer <token>"');
      return false;
    }
    const header = request.headers.authorization;
    const presented = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (presented === undefined) {
      reply.header('www-authenticate', 'Bearer realm="kmirror"');
      sendError(reply, 401, header === undefined
        ? 'missing "Authorization: Bearer <token>" (the token is kmirror.sidecar.token)'
        : 'the Authorization header must be "Bearer <token>"');
      return false;
    }
    if (!matches(presented)) {
      reply.header('www-authenticate', 'Bearer realm="kmirror", error="invalid_token"');
      sendError(reply, 401, 'the bearer token is not kmirror.sidecar.token');
      return false;
    }
    authenticated.add(request.raw);
    return true;
  };
}

/** The onRequest hook enforcing `config.access` (accessCheck). */
export function accessHook(token: string | undefined): onRequestHookHandler {
  const check = accessCheck(token);
  // A callback hook, not an async one: no promise per request on the hot path.
  return (request, reply, done) => {
    if (check(request, reply, request.routeOptions.config.access ?? 'read')) done();
  };
}

/** Requests that presented the configured token (none when no token is configured). */
const authenticated = new WeakSet<object>();

/** True when the request presented kmirror.sidecar.token (false whenever none is configured). */
export function isAuthenticated(request: FastifyRequest): boolean {
  return authenticated.has(request.raw);
}

/**
 * Compares in constant time with respect to the secret: one timingSafeEqual over the token's
 * length whatever was presented (a guess of another length is compared with the token itself and
 * rejected), so the time taken says nothing about how much of a guess was right, nor about the
 * token's length. Only the presented text's own length shows, which the caller knows anyway.
 */
export function tokenMatcher(token: string): (presented: string) => boolean {
  const expected = Buffer.from(token, 'utf8');
  return (presented) => {
    const given = Buffer.from(presented, 'utf8');
    const sameLength = given.length === expected.length;
    const equal = timingSafeEqual(sameLength ? given : expected, expected);
    return sameLength && equal;
  };
}
