import { loadFlowPolicies } from '../config/flow-policies.js';
import { formatIssue, loadMirrorConfig } from '../config/mirror-config.js';
import { Engine } from '../engine/engine.js';
import { ErrorCodes, KmirrorError } from '../errors.js';
import { createLogger } from '../log.js';
import { LifecycleView } from '../sidecar/lifecycle-view.js';
import { startProcessSidecar } from '../sidecar/process-sidecar.js';

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
  const sidecar = await startProcessSidecar(config, view, log);
  try {
    const engine = await Engine.start(config, policies, { log });
    view.attach(engine);
    await stopRequested;
    view.stopping();
    await engine.stop();
  } finally {
    await sidecar?.close();
  }
}
