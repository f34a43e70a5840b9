import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isKmirrorError } from '../../src/errors.js';
import { startLocalClusters } from '../../src/local-kafka/cluster.js';

async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

describe('starting local clusters, when it cannot work', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  it('names the cluster and the port when a configured port is taken', async () => {
    const { server, port } = await occupyPort();
    servers.push(server);
    const error = await startLocalClusters({ clusters: [{ name: 'busy', port }] }).catch((err: unknown) => err);
    expect(isKmirrorError(error, ErrorCodes.LOCAL_KAFKA)).toBe(true);
    expect((error as Error).message).toContain(`local cluster 'busy': port ${port}`);
  });

  it('stops waiting as soon as the broker process dies, and points at its log', async () => {
    const { server, port } = await occupyPort();
    servers.push(server);
    const controllerPort = await occupyPort().then(({ server: s, port: p }) => new Promise<number>((r) => s.close(() => r(p))));
    const started = Date.now();
    const error = await startLocalClusters({
      clusters: [{
        name: 'dies',
        controllerPort,
        // the broker itself binds a port that is taken, after storage formatting succeeded
        brokerConfig: { listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}` },
      }],
      startTimeoutMs: 90_000,
    }).catch((err: unknown) => err);
    expect(isKmirrorError(error, ErrorCodes.LOCAL_KAFKA)).toBe(true);
    expect((error as Error).message).toMatch(/cluster 'dies' did not become ready.*broker process exited.*broker\.log/s);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe('storage formatting', () => {
  // Regression: a random cluster id starting with '-' was read as an option and formatting failed.
  it('accepts a cluster id that starts with a dash', async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ensureKafkaDistribution } = await import('../../src/local-kafka/distribution.js');
    const { formatStorage } = await import('../../src/local-kafka/cluster.js');
    const dist = await ensureKafkaDistribution();
    const dir = mkdtempSync(join(tmpdir(), 'kmirror-format-'));
    const properties = join(dir, 'server.properties');
    writeFileSync(properties, [
      'process.roles=broker,controller', 'node.id=1', 'controller.quorum.voters=1@127.0.0.1:9999',
      'listeners=PLAINTEXT://127.0.0.1:9998,CONTROLLER://127.0.0.1:9999', 'controller.listener.names=CONTROLLER',
      `log.dirs=${join(dir, 'data')}`,
    ].join('\n'));
    await formatStorage(dist.java, ['-cp', dist.classpath], properties, '-ZMnTd6lTrG8XhVPrjsTaQ', join(dir, 'format.log'), 'dash');
    expect(readFileSync(join(dir, 'data', 'meta.properties'), 'utf8')).toContain('cluster.id=-ZMnTd6lTrG8XhVPrjsTaQ');
  });
});
