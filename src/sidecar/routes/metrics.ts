import type { FastifyInstance } from 'fastify';
import { sendError } from '../http-errors.js';

/** What `/metrics` serves: a Prometheus registry's text exposition (prom-client's Registry fits). */
export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

/** `GET /metrics` for Prometheus; 404 when this process was started without metrics. */
export async function metricsRoutes(app: FastifyInstance, { metrics }: { metrics: MetricsSource | undefined }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    if (!metrics) return sendError(reply, 404, 'metrics are not enabled in this process');
    const text = await metrics.text();
    return reply.type(metrics.contentType).send(text);
  });
}
