import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseMirrorConfig } from '../../../src/config/mirror-config.js';
import type { Logger } from '../../../src/log.js';
import { LifecycleView } from '../../../src/sidecar/lifecycle-view.js';
import { startProcessSidecar } from '../../../src/sidecar/process-sidecar.js';
import { FakeView } from './fake-view.js';

const TOKEN = 'process-sidecar-token-0123456789';
const SASL = 'process-sidecar-sasl-password';

function config(extra: string) {
  return parseMirrorConfig(`clusters = A, B
A.bootstrap.servers = a:9092
B.bootstrap.servers = b:9092
A->B.enabled = true
A.sasl.password = ${SASL}
${extra}
`);
}

function capturingLogger(): { log: Logger; lines: Record<string, unknown>[]; text: () => string } {
  const lines: Record<string, unknown>[] = [];
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines, text: () => text };
}

describe('startProcessSidecar (what kmirror run starts)', () => {
  it('listens as configured, logs its URL without the token, serves metrics and the lifecycle', async () => {
    const { log, lines, text } = capturingLogger();
    const view = new LifecycleView();
    const started = await startProcessSidecar(config(`kmirror.sidecar.port = 0\nkmirror.sidecar.token = ${TOKEN}`), view, log);
    onTestFinished(() => started?.close());
    const { url } = started!.sidecar;
    expect(lines).toContainEqual(expect.objectContaining({ msg: `sidecar listening on ${url}`, url, token: 'required' }));
    const auth = { authorization: `Bearer ${TOKEN}` };

    const starting = await fetch(`${url}/health/ready`, { headers: auth });
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual({ ready: false, reasons: ['kmirror is starting: flows are not running yet'] });
    view.attach(new FakeView());
    expect((await fetch(`${url}/health/ready`, { headers: auth })).status).toBe(200);

    const metrics = await fetch(`${url}/metrics`, { headers: auth });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('kmirror_');

    expect((await fetch(`${url}/status`)).status).toBe(401);
    expect(text()).not.toContain(TOKEN);
    expect(text()).not.toContain(SASL);
  });

  it('keeps the configuration\'s passwords out of answers', async () => {
    const { log } = capturingLogger();
    const view = new LifecycleView();
    const engine = new FakeView();
    engine.ready = { ready: false, reasons: [`A->B: SASL authentication failed (password ${SASL})`] };
    view.attach(engine);
    const started = await startProcessSidecar(config('kmirror.sidecar.port = 0'), view, log);
    onTestFinished(() => started?.close());
    const body = await (await fetch(`${started!.sidecar.url}/health/ready`)).text();
    expect(body).toContain('(password [redacted])');
    expect(body).not.toContain(SASL);
  });

  it('starts nothing when kmirror.sidecar.enabled = false', async () => {
    const { log, lines } = capturingLogger();
    expect(await startProcessSidecar(config('kmirror.sidecar.enabled = false'), new LifecycleView(), log)).toBeUndefined();
    expect(lines.map((l) => l.msg)).toEqual([expect.stringContaining('sidecar disabled')]);
  });
});
