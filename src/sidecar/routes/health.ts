import type { FastifyInstance } from 'fastify';
import type { EngineView } from '../../engine/view.js';
import { readinessResponse } from '../schemas.js';

/**
 * Liveness and readiness, for process supervisors and load balancers (Kubernetes probes).
 * Liveness is public and says only that the process answers; readiness is the engine's own
 * verdict (every flow's shards running and assigned, topics refreshed, no partition WAITING).
 */
export async function healthRoutes(app: FastifyInstance, { view }: { view: EngineView }): Promise<void> {
  app.get('/health/live', {
    config: { access: 'public' },
    schema: {
      response: { 200: { type: 'object', properties: { live: { type: 'boolean' } }, required: ['live'] } },
    },
  }, async () => ({ live: true }));

  app.get('/health/ready', {
    schema: { response: { 200: readinessResponse, 503: readinessResponse } },
  }, async (_request, reply) => {
    const { ready, reasons } = view.readiness();
    return reply.code(ready ? 200 : 503).send({ ready, reasons });
  });
}
