import type { FastifyInstance } from 'fastify';
import type { EngineView } from '../../engine/view.js';
import type { Logger } from '../../log.js';
import { sendError } from '../http-errors.js';
import { actionResponse, errorResponse, MAX_PARTITION, partitionParams } from '../schemas.js';

type Action = 'pause' | 'resume';

/**
 * Operator actions on one partition: pause it, or resume it (a FAILED partition restarts from its
 * stored position; a PAUSED one goes on). These change state, so they always need the token
 * (Access 'operate'). The shard applies them asynchronously: the answer is 202 and `/status`
 * shows the new state after the shard's next report (about a second).
 */
export async function partitionRoutes(app: FastifyInstance, { view, log }: { view: EngineView; log: Logger }): Promise<void> {
  for (const action of ['pause', 'resume'] as const satisfies readonly Action[]) {
    app.post<{ Params: { flow: string; topic: string; partition: string } }>(`/v1/flows/:flow/partitions/:topic/:partition/${action}`, {
      config: { access: 'operate' },
      schema: { params: partitionParams, response: { 202: actionResponse, '4xx': errorResponse } },
    }, async (request, reply) => {
      const { flow, topic } = request.params;
      const partition = Number(request.params.partition);
      if (partition > MAX_PARTITION) return sendError(reply, 400, `params.partition: must be a partition number (0 to ${MAX_PARTITION})`);
      const done = action === 'pause' ? view.pausePartition(flow, topic, partition) : view.resumePartition(flow, topic, partition);
      if (!done) {
        return sendError(reply, 404, `partition ${topic}-${partition} of flow '${flow}' is not assigned to this process ` +
          '(another process of the deployment may have it: see its /status)');
      }
      log.info({ flow, topic, partition, action, from: request.ip }, `partition ${action} requested through the sidecar`);
      return reply.code(202).send({
        flow, topic, partition, action, accepted: true,
        message: `${action} sent to the shard; /status shows the partition ${action === 'pause' ? 'PAUSED' : 'RUNNING'} after its next report`,
      });
    });
  }
}
