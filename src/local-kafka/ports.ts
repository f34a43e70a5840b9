import { createServer } from 'node:net';
import { ErrorCodes, KmirrorError } from '../errors.js';

/**
 * Free loopback ports for local clusters. A port is found by listening on port 0 and closing
 * again; some kernels (gVisor among them) hand the same port straight back to the next caller, so
 * two ports asked for one after the other could be one. Every port given out here is remembered,
 * and never given out twice by this process.
 */
const handedOut = new Set<number>();

/** A TCP port free on 127.0.0.1 that this process has not been given before; `accept` may refuse one. */
export async function freeLoopbackPort(accept: (port: number) => Promise<boolean> = async () => true): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await listenOnce();
    if (handedOut.has(port) || !(await accept(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, 'found no free loopback port in 100 attempts');
}

/** Remembers a port chosen elsewhere (a fixed one), so it is not given out too. */
export function reservePort(port: number): void {
  handedOut.add(port);
}

function listenOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
