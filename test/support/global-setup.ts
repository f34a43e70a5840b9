import type { TestProject } from 'vitest/node';
import { startLocalClusters } from '../../src/local-kafka/cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** cluster name → bootstrap servers of the real KRaft clusters this run started. */
    kafka: Record<string, string>;
  }
}

/**
 * Starts two real single-node KRaft clusters, `source` and `target`, for the integration project,
 * and stops them after the run. Broker logs stay under .kmirror/local-kafka/ for failed tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const clusters = await startLocalClusters({ log: (line) => console.log(`[local-kafka] ${line}`) });
  project.provide('kafka', clusters.bootstrap);
  return async () => {
    await clusters.stop();
    console.log(`[local-kafka] stopped; broker logs kept in ${clusters.runDir}`);
  };
}
