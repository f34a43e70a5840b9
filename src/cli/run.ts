import { loadFlowPolicies } from '../config/flow-policies.js';
import { formatIssue, loadMirrorConfig } from '../config/mirror-config.js';
import { Engine } from '../engine/engine.js';
import { ErrorCodes, KmirrorError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
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
  const timeoutMs = config.process['kmirror.shutdown.timeout.ms'];
  const stopRequested = new Promise<void>((resolve) => onStopSignals(log, timeoutMs, resolve));
  const view = new LifecycleView();
  const sidecar = await startProcessSidecar(config, view, log);
  try {
    const engine = await Engine.start(config, policies, { log });
    view.attach(engine);
    await stopRequested;
    view.stopping();
    await engine.stop(timeoutMs);
  } finally {
    await sidecar?.close();
  }
}

/**
 * The first SIGTERM/SIGINT asks for a clean stop, which must end within `timeoutMs`
 * (kmirror.shutdown.timeout.ms) whatever the clusters do: past it the process ends itself (SIGKILL). A
 * second signal exits at once (130 after SIGINT, 143 after SIGTERM), as an operator expects.
 */
export function onStopSignals(log: Logger, timeoutMs: number, stop: () => void): void {
  let asked = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (asked) {
      log.warn({ signal }, 'second stop signal: exiting now (positions stored since the last flush are copied again after a restart)');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    asked = true;
    log.info({ signal, timeoutMs }, 'stopping');
    setTimeout(() => {
      log.error({ timeoutMs }, 'the stop did not finish within kmirror.shutdown.timeout.ms: exiting now');
      // Not process.exit(): it waits for native threads still talking to a cluster that is down
      // (measured: ~107 s more). What was acknowledged and stored stays stored.
      process.kill(process.pid, 'SIGKILL');
    }, timeoutMs).unref();
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
