import { describe, expect, it, onTestFinished } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { startSidecar } from '../../../src/sidecar/server.js';
import { FakeView, TRANSLATION } from './fake-view.js';

const TOKEN = 'cache-test-token-0123456789';
const PATH = '/v1/groups/billing/offsets?source=A&target=B';

async function sidecarWith(view: FakeView) {
  const sidecar = await startSidecar({ view, host: '127.0.0.1', port: 0, token: TOKEN, log: silentLogger(), secrets: ['s3cret-value'] });
  onTestFinished(() => sidecar.close());
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sidecar.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
  };
  return { sidecar, get };
}

describe('translation answers repeated from the bytes fastify made', () => {
  it('answers a repeated request with the same bytes, per format, while the translation is the same', async () => {
    const view = new FakeView();
    const { get, sidecar } = await sidecarWith(view);
    const first = await get(PATH);
    const calls = view.translateCalls.length;
    expect(sidecar.cacheHits()).toBe(0);
    const again = await get(PATH);
    expect(sidecar.cacheHits()).toBe(1);
    expect(again).toEqual(first);
    expect(first.type).toBe('application/json; charset=utf-8');
    expect(JSON.parse(first.body.toString())).toEqual({ group: 'billing', translations: [TRANSLATION] });
    expect(view.translateCalls.length).toBe(calls + 1); // the freshness check, nothing more
    const proto = await get(PATH, { accept: 'application/x-protobuf' });
    expect(proto.type).toBe('application/x-protobuf');
    expect(await get(PATH, { accept: 'application/x-protobuf' })).toEqual(proto);
  });

  it('asks fastify again when the translation changed, the token is wrong or missing, or the URL was never answered', async () => {
    const view = new FakeView();
    const { get, sidecar } = await sidecarWith(view);
    await get(PATH);
    expect((await get(PATH, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect(sidecar.cacheHits()).toBe(0);
    expect((await fetch(`${(await sidecarWith(view)).sidecar.url}${PATH}`)).status).toBe(401); // no header at all
    expect((await get('/v1/groups/billing/offsets?source=A&target=B&extra=1')).status).toBe(400);

    const moved = { ...TRANSLATION, partitions: [{ ...TRANSLATION.partitions[0]!, offset: 99 }] };
    view.translations.set('billing', [moved]);
    const fresh = await get(PATH);
    expect(JSON.parse(fresh.body.toString()).translations[0].partitions[0].offset).toBe(99);
    expect(sidecar.cacheHits()).toBe(0);
    await get(PATH);
    expect(sidecar.cacheHits()).toBe(1);

    view.translations.delete('billing');
    expect((await get(PATH)).status).toBe(404);
  });

  it('keeps secrets out of cached answers too', async () => {
    const view = new FakeView();
    view.translations.set('leaky', [{ ...TRANSLATION, group: 'leaky', partitions: [{ ...TRANSLATION.partitions[0]!, metadata: 'pw=s3cret-value' }] }]);
    const { get } = await sidecarWith(view);
    for (let i = 0; i < 2; i++) {
      const answer = await get('/v1/groups/leaky/offsets');
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).not.toContain('s3cret-value');
      expect(answer.body.toString()).toContain('[redacted]');
    }
  });
});
