import { loadFlowPolicies } from '../config/flow-policies.js';
import { formatIssue, loadMirrorConfig, type MirrorConfig } from '../config/mirror-config.js';
import { Engine } from '../engine/engine.js';
import { ErrorCodes, KmirrorError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { createMetrics, type KmirrorMetrics } from '../metrics/collector.js';
import { configSecrets } from '../sidecar/config-secrets.js';
import { LifecycleView } from '../sidecar/lifecycle-view.js';
import { startSidecar, type Sidecar } from '../sidecar/server.js';

/**
 * `kmirror run FILE`: replicates until SIGINT/SIGTERM, then stops cleanly (positions stored).
 *
 * The sidecar (health, status, metrics, offset translation) starts first: a port conflict fails
 * before any Kafka work, and liveness answers during a long start-up. It stops last, after the
 * engine, answering "not ready" meanwhile.
 */
export async function runCommand(file: string, options: { logLevel?: string }): Promise<void> {
  const log = createLogger({ ...(options.logLevel !== undefined && { level: options.logLevel }) });
  const config = await loadMirrorConfig(file);
  for (const warning of config.warnings) log.warn(formatIssue(warning, file));
  const { policies, issues } = await loadFlowPolicies(config);
  if (issues.length > 0) {
    throw new KmirrorError(ErrorCodes.CONFIG_INVALID, `${file} has ${issues.length} error(s)`,
      { details: issues.map((i) => formatIssue(i, file)) });
  }
  if (!config.flows.some((f) => f.enabled)) {
    throw new KmirrorError(ErrorCodes.CONFIG_INVALID, `${file} enables no replication flow: nothing to do`);
  }
  // Listen for a stop request before starting, so SIGTERM during start-up also ends cleanly.
  const stopRequested = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  const view = new LifecycleView();
  const served = await startSidecarIfEnabled(config, view, log);
  try {
    const engine = await Engine.start(config, policies, { log });
    view.attach(engine);
    await stopRequested;
    view.stopping();
    await engine.stop();
  } finally {
    await served?.sidecar.close();
    served?.metrics.close();
  }
}

/** The sidecar as kmirror.sidecar.* says, with the Prometheus metrics on /metrics; undefined when disabled. */
async function startSidecarIfEnabled(config: MirrorConfig, view: LifecycleView, log: Logger):
  Promise<{ sidecar: Sidecar; metrics: KmirrorMetrics } | undefined> {
  const settings = config.process;
  if (!settings['kmirror.sidecar.enabled']) {
    log.info('sidecar disabled (kmirror.sidecar.enabled = false): no health, metrics or offset translation over HTTP');
    return undefined;
  }
  const metrics = createMetrics(view, { partitionLabels: settings['kmirror.metrics.partition.labels'] });
  const token = settings['kmirror.sidecar.token'];
  try {
    const sidecar = await startSidecar({
      view, metrics, log,
      host: settings['kmirror.sidecar.host'],
      port: settings['kmirror.sidecar.port'],
      ...(token !== undefined && { token }),
      secrets: configSecrets(config),
    });
    log.info({ url: sidecar.url, token: token !== undefined ? 'required' : 'none (pause/resume refused)' },
      `sidecar listening on ${sidecar.url}`);
    return { sidecar, metrics };
  } catch (err) {
    metrics.close();
    throw err;
  }
}
