import type { MirrorConfig } from '../config/mirror-config.js';
import { ErrorCodes, KmirrorError } from '../errors.js';
import type { Logger } from '../log.js';
import { createMetrics, type KmirrorMetrics } from '../metrics/collector.js';
import { configSecrets } from './config-secrets.js';
import type { LifecycleView } from './lifecycle-view.js';
import { startSidecar, type Sidecar } from './server.js';
import { readSidecarTls } from './tls.js';

/** A running sidecar with the metrics it serves; close() stops both. */
export interface ProcessSidecar {
  readonly sidecar: Sidecar;
  readonly metrics: KmirrorMetrics;
  close(): Promise<void>;
}

/**
 * The sidecar of `kmirror run`, as mm2.properties' kmirror.sidecar.* and kmirror.metrics.* say:
 * Prometheus metrics on /metrics, the token, HTTPS when kmirror.sidecar.tls.* say so, every
 * secret of the configuration kept out of the answers, and its URL logged. Undefined when
 * kmirror.sidecar.enabled = false.
 */
export async function startProcessSidecar(config: MirrorConfig, view: LifecycleView, log: Logger): Promise<ProcessSidecar | undefined> {
  const settings = config.process;
  if (!settings['kmirror.sidecar.enabled']) {
    log.info('sidecar disabled (kmirror.sidecar.enabled = false): no health, metrics or offset translation over HTTP');
    return undefined;
  }
  // Checked when the configuration was read; read again now (a file may have changed since).
  const { tls, problems } = readSidecarTls(settings);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new KmirrorError(ErrorCodes.CONFIG_INVALID, 'the sidecar\'s TLS files cannot be used', {
      details: errors.map((p) => `${p.key}: ${p.message}`),
    });
  }
  const metrics = createMetrics(view, { partitionLabels: settings['kmirror.metrics.partition.labels'] });
  const token = settings['kmirror.sidecar.token'];
  let sidecar: Sidecar;
  try {
    sidecar = await startSidecar({
      view, metrics, log,
      host: settings['kmirror.sidecar.host'],
      port: settings['kmirror.sidecar.port'],
      ...(token !== undefined && { token }),
      ...(tls !== undefined && { tls }),
      secrets: configSecrets(config),
    });
  } catch (err) {
    metrics.close();
    throw err;
  }
  log.info({
    url: sidecar.url,
    token: token !== undefined ? 'required' : 'none (pause/resume refused)',
    ...(tls !== undefined && { tls: tls.ca !== undefined ? 'HTTPS, client certificates required' : 'HTTPS' }),
  },
    `sidecar listening on ${sidecar.url}`);
  return {
    sidecar,
    metrics,
    close: async () => {
      await sidecar.close();
      metrics.close();
    },
  };
}
