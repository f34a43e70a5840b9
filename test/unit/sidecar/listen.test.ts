import { createServer } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ErrorCodes, isKmirrorError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { startSidecar } from '../../../src/sidecar/server.js';
import { FakeView } from './fake-view.js';

const TOKEN = 'listen-test-token-0123456789';

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

  it('brackets an IPv6 host in its URL', async () => {
    const sidecar = await startSidecar({ view: new FakeView(), host: '::1', port: 0, log: silentLogger() }).catch((err: unknown) => err);
    if (sidecar instanceof Error) return; // no IPv6 loopback on this machine
    onTestFinished(() => (sidecar as { close(): Promise<void> }).close());
    const { url } = sidecar as { url: string };
    expect(url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
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
