import { createServer } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ErrorCodes, isKmirrorError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { startSidecar } from '../../../src/sidecar/server.js';
import { FakeView } from './fake-view.js';

const TOKEN = 'listen-test-token-0123456789';

/**
 * Whether this machine has an IPv6 loopback, found out without the code under test: a plain
 * server listens on ::1. Only EADDRNOTAVAIL / EAFNOSUPPORT (no IPv6 here) count as "none"; any
 * other outcome leaves the IPv6 test to run, so a sidecar that fails on ::1 fails it.
 */
async function hasIpv6Loopback(): Promise<boolean> {
  const server = createServer();
  return new Promise<boolean>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => resolve(!['EADDRNOTAVAIL', 'EAFNOSUPPORT'].includes(err.code ?? '')));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}
const ipv6 = await hasIpv6Loopback();

describe('startSidecar', () => {
  it('listens on the host and a free port (0), and says where', async () => {
    const sidecar = await startSidecar({ view: new FakeView(), host: '127.0.0.1', port: 0, log: silentLogger() });
    onTestFinished(() => sidecar.close());
    expect(sidecar.port).toBeGreaterThan(0);
    expect(sidecar.url).toBe(`http://127.0.0.1:${sidecar.port}`);
    const live = await fetch(`${sidecar.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ live: true });
    // A flow name with '>' as clients send it, raw and encoded.
    for (const path of ['/status/A->B', '/status/A-%3EB']) expect((await fetch(`${sidecar.url}${path}`)).status).toBe(200);
  });

  it.skipIf(!ipv6)('brackets an IPv6 host in its URL (skipped only where no IPv6 loopback exists)', async () => {
    // ::1 works on this machine (a plain server listened on it): the sidecar must too.
    const sidecar = await startSidecar({ view: new FakeView(), host: '::1', port: 0, log: silentLogger() });
    onTestFinished(() => sidecar.close());
    expect(sidecar.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect(sidecar.url).toBe(`http://[::1]:${sidecar.port}`);
    expect((await fetch(`${sidecar.url}/health/live`)).status).toBe(200);
  });

  it('protects routes with the token over a real connection too', async () => {
    const sidecar = await startSidecar({ view: new FakeView(), host: '127.0.0.1', port: 0, token: TOKEN, log: silentLogger() });
    onTestFinished(() => sidecar.close());
    expect((await fetch(`${sidecar.url}/status`)).status).toBe(401);
    expect((await fetch(`${sidecar.url}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('stops listening on close, and close can be called twice', async () => {
    const sidecar = await startSidecar({ view: new FakeView(), host: '127.0.0.1', port: 0, log: silentLogger() });
    await fetch(`${sidecar.url}/health/live`); // leaves a keep-alive connection open
    await Promise.all([sidecar.close(), sidecar.close()]);
    await sidecar.close();
    await expect(fetch(`${sidecar.url}/health/live`)).rejects.toThrow();
  });

  it('a port in use fails at once, naming the settings to change', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const err = await startSidecar({ view: new FakeView(), host: '127.0.0.1', port, log: silentLogger() }).catch((e: unknown) => e);
    expect(isKmirrorError(err, ErrorCodes.CONFIG_INVALID)).toBe(true);
    expect((err as Error).message).toBe(`the sidecar cannot listen on 127.0.0.1:${port} (EADDRINUSE: listen EADDRINUSE: address already in use 127.0.0.1:${port})`);
    expect((err as { details: string[] }).details.join(' ')).toContain('kmirror.sidecar.port');
  });
});
