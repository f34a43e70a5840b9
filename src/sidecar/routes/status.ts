import type { FastifyInstance } from 'fastify';
import type { EngineView } from '../../engine/view.js';
import { sendError } from '../http-errors.js';
import { flowParams, noQuery } from '../schemas.js';
import { flowStatusReport, statusReport } from '../status-report.js';

/**
 * `/status` and `/status/:flow`: the runbook's checks in one answer (status-report.ts). No
 * response schema: the report is built by typed code (StatusReport), and a schema there would
 * silently drop whatever the engine adds later.
 */
export async function statusRoutes(app: FastifyInstance, { view }: { view: EngineView }): Promise<void> {
  app.get('/status', { schema: { querystring: noQuery } }, async () => statusReport(view));

  app.get<{ Params: { flow: string } }>('/status/:flow', { schema: { params: flowParams, querystring: noQuery } }, async (request, reply) => {
    const report = flowStatusReport(view, request.params.flow);
    if (!report) {
      const flows = view.status().map((f) => f.flow);
      return sendError(reply, 404, `this process runs no flow '${request.params.flow}' (flows: ${flows.join(', ') || 'none yet'})`);
    }
    return report;
  });
}
