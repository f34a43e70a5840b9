/**
 * kmirror's HTTP sidecar: health, status, Prometheus metrics, offset translation and the
 * operator's partition actions, served by fastify inside the kmirror process.
 *
 *   GET  /health/live                                        public: the process answers
 *   GET  /health/ready                                       200 ready / 503 with the reasons
 *   GET  /status, /status/:flow                              flows, partitions, shards, topics, checkpoints, heartbeats
 *   GET  /metrics                                            Prometheus text (404 when no metrics are given)
 *   GET  /v1/groups/:group/offsets?source=A&target=B         one group's translated offsets (JSON or protobuf)
 *   POST /v1/offsets/translate  {groups, source?, target?}   many groups at once
 *   POST /v1/flows/:flow/partitions/:topic/:partition/pause  (and /resume) always need the token
 *
 * HTTP, or HTTPS with kmirror.sidecar.tls.* (tls.ts; client certificates with kmirror.sidecar.tls.ca).
 * Secrets are scrubbed from every answer (scrub.ts); no answer repeats the request path.
 *
 * It reads the engine only through EngineView (src/engine/view.ts), from memory. buildSidecar()
 * gives the fastify instance without listening (tests use inject()); startSidecar() listens.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { type FastifyInstance } from 'fastify';
import type { EngineView } from '../engine/view.js';
import { ErrorCodes, KmirrorError } from '../errors.js';
import type { Logger } from '../log.js';
import { accessCheck, accessHook, isAuthenticated } from './auth.js';
import { errorHandler, frameworkErrorHandler, notFoundHandler, schemaErrorFormatter } from './http-errors.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes, type MetricsSource } from './routes/metrics.js';
import { offsetsRoutes } from './routes/offsets.js';
import { partitionRoutes } from './routes/partitions.js';
import { statusRoutes } from './routes/status.js';
import { NO_SCRUBBING, secretScrubber } from './scrub.js';
import type { SidecarTls } from './tls.js';
import { TranslationCache } from './translation-cache.js';
import { TranslationCodec } from './translation-codec.js';

export type { MetricsSource } from './routes/metrics.js';

export interface SidecarOptions {
  readonly view: EngineView;
  /** The Prometheus registry to serve on /metrics (prom-client: `{ contentType, text: () => registry.metrics() }`). */
  readonly metrics?: MetricsSource;
  /** kmirror.sidecar.token: required by every route but /health/live when set; pause/resume are refused without it. */
  readonly token?: string;
  /**
   * Other values that must never appear in an answer (client passwords from mm2.properties); the
   * token and the TLS key's password always are.
   */
  readonly secrets?: readonly string[];
  /** Serve HTTPS with this certificate and key (kmirror.sidecar.tls.*, read by readSidecarTls); plain HTTP without. */
  readonly tls?: SidecarTls;
  readonly log: Logger;
  /** Shared with other sidecars in tests; parsed from proto/kmirror.proto when absent. */
  readonly codec?: TranslationCodec;
}

export interface ListenOptions extends SidecarOptions {
  /** kmirror.sidecar.host, kmirror.sidecar.port (0: a free port). */
  readonly host: string;
  readonly port: number;
}

export interface Sidecar {
  /** e.g. http://127.0.0.1:8787, https://… with TLS */
  readonly url: string;
  /** The port actually listened on (the chosen one when 0 was asked for). */
  readonly port: number;
  /** Translation requests answered from the bytes of an identical earlier answer. */
  cacheHits(): number;
  /** Stops listening; requests in progress finish, idle connections are closed. Safe to call twice. */
  close(): Promise<void>;
}

/** Group ids may be 1024 characters: up to 12 each once UTF-8 is percent-encoded (the schema checks the decoded length). */
const MAX_PARAM_LENGTH = 12 * 1024;

export function buildSidecar(options: SidecarOptions & { cache?: TranslationCache }): FastifyInstance {
  const { view, log, cache, tls } = options;
  // Repeated translation requests are answered from the cache fastify's route fills, before
  // fastify sees them (src/sidecar/translation-cache.ts).
  const listener = (handler: RequestListener): RequestListener => (cache ? (req: IncomingMessage, res: ServerResponse) => {
    if (!cache.tryAnswer(req, res)) handler(req, res);
  } : handler);
  const authorize = accessCheck(options.token);
  const app = Fastify({
    ...((cache || tls) && {
      serverFactory: (handler: RequestListener) => (tls
        ? createHttpsServer({
          cert: tls.cert, key: tls.key,
          ...(tls.passphrase !== undefined && { passphrase: tls.passphrase }),
          // Client certificates: required, and checked against these CAs only.
          ...(tls.ca !== undefined && { ca: tls.ca, requestCert: true, rejectUnauthorized: true }),
        }, listener(handler))
        : createServer(listener(handler))),
    }),
    // fastify's own logger is off, so no per-request logging: errors are logged by the error
    // handler, operator actions by their route, both with kmirror's logger.
    logger: false,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, verbose: true, allErrors: false } },
    schemaErrorFormatter,
    // Bad percent-encoding, an over-long parameter: checked for access, answered without the path.
    frameworkErrors: frameworkErrorHandler((request, reply) => authorize(request, reply, 'read')),
  });
  const codec = options.codec ?? new TranslationCodec();
  app.addHook('onRequest', accessHook(options.token));
  const scrub = secretScrubber([
    ...(options.token !== undefined ? [options.token] : []),
    ...(tls?.passphrase !== undefined ? [tls.passphrase] : []),
    ...(options.secrets ?? []),
  ]);
  if (scrub) {
    // Answers as objects (JSON, errors): every string before it is serialized; the protobuf routes
    // scrub theirs before encoding (routes/offsets.ts). Text answers again as text (Prometheus,
    // serialized JSON), where a secret may be escaped.
    app.addHook('preSerialization', (_request, _reply, payload, done) => done(null, scrub.value(payload)));
    app.addHook('onSend', (_request, _reply, payload, done) => {
      done(null, typeof payload === 'string' ? scrub.text(payload) : payload);
    });
  }
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });
  app.setErrorHandler(errorHandler(log));
  app.setNotFoundHandler(notFoundHandler(() => routes, isAuthenticated));
  app.register(healthRoutes, { view });
  app.register(statusRoutes, { view });
  app.register(metricsRoutes, { metrics: options.metrics });
  app.register(offsetsRoutes, { view, codec, ...(cache && { cache }), scrub: scrub ?? NO_SCRUBBING });
  app.register(partitionRoutes, { view, log });
  return app;
}

export async function startSidecar(options: ListenOptions): Promise<Sidecar> {
  const cache = new TranslationCache(options.view, options.token);
  const app = buildSidecar({ ...options, cache });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new KmirrorError(ErrorCodes.CONFIG_INVALID,
      `the sidecar cannot listen on ${hostPort(options.host, options.port)} (${code}: ${(err as Error).message})`, {
        cause: err,
        details: ['set kmirror.sidecar.port to a free port (0 picks one), kmirror.sidecar.host to an address of this machine, ' +
          'or kmirror.sidecar.enabled = false'],
      });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `${options.tls ? 'https' : 'http'}://${hostPort(options.host, port)}`;
  options.log.debug({ url }, 'sidecar listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    cacheHits: () => cache.hits,
    close: () => (closing ??= app.close()),
  };
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
