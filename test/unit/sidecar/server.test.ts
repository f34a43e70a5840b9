import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import protobuf from 'protobufjs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { tokenMatcher } from '../../../src/sidecar/auth.js';
import { buildSidecar, type SidecarOptions } from '../../../src/sidecar/server.js';
import { PROTO_FILE, TranslationCodec } from '../../../src/sidecar/translation-codec.js';
import { FakeView, flow, partition, TRANSLATION } from './fake-view.js';

const TOKEN = 'Xs7-token_for.tests~0123456789';
const codec = new TranslationCodec();
const proto = protobuf.loadSync(PROTO_FILE);

function sidecar(options: Partial<SidecarOptions> = {}): { app: FastifyInstance; view: FakeView } {
  const view = (options.view as FakeView | undefined) ?? new FakeView();
  const app = buildSidecar({ view, log: silentLogger(), codec, ...options });
  onTestFinished(() => app.close());
  return { app, view };
}

const auth = { authorization: `Bearer ${TOKEN}` };

function json(response: LightMyRequestResponse): Record<string, unknown> {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  return response.json<Record<string, unknown>>();
}

function decode(type: string, body: Buffer): Record<string, unknown> {
  const t = proto.lookupType(`kmirror.v1.${type}`);
  return t.toObject(t.decode(body), { longs: Number, defaults: true, arrays: true }) as Record<string, unknown>;
}

describe('health', () => {
  it('/health/live is 200 for anyone, token configured or not', async () => {
    for (const token of [undefined, TOKEN]) {
      const { app } = sidecar({ ...(token !== undefined && { token }) });
      const res = await app.inject('/health/live');
      expect(res.statusCode).toBe(200);
      expect(json(res)).toEqual({ live: true });
    }
  });

  it('/health/ready is 200 when the engine is ready, 503 with its reasons when not', async () => {
    const { app, view } = sidecar();
    expect(json(await app.inject('/health/ready'))).toEqual({ ready: true, reasons: [] });
    view.ready = { ready: false, reasons: ['A->B: shard 1 is not running'] };
    const res = await app.inject('/health/ready');
    expect(res.statusCode).toBe(503);
    expect(json(res)).toEqual({ ready: false, reasons: ['A->B: shard 1 is not running'] });
  });
});

describe('/status', () => {
  it('shows flows with partitions, lag, shards, topics, checkpoints and heartbeats', async () => {
    const { app } = sidecar();
    const res = await app.inject('/status');
    expect(res.statusCode).toBe(200);
    const body = json(res) as { ready: boolean; atMs: number; flows: Record<string, unknown>[]; heartbeats: Record<string, unknown>[] };
    expect(body.ready).toBe(true);
    const [f] = body.flows;
    expect(f).toMatchObject({
      flow: 'A->B', source: 'A', target: 'B', state: 'RUNNING', problems: [],
      lag: 50, lagUnknownPartitions: 1, caughtUp: false, lostRecords: 0,
      partitionCounts: { RUNNING: 3, ISOLATING: 0, PAUSED: 0, WAITING: 0, FAILED: 0 },
      topics: [{ source: 'orders', remote: 'A.orders', partitions: 3, state: 'REPLICATING' }],
      shards: [{ index: 0, running: true, utilisation: 0.25, partitions: 1, clients: null },
        { index: 1, running: true, utilisation: 0.5, partitions: 2, clients: null }],
      lastRefreshError: null,
    });
    expect((f!.partitions as unknown[])[0]).toEqual({
      topic: 'orders', remoteTopic: 'A.orders', partition: 0, status: 'RUNNING', reason: null, failedAt: null,
      position: 100, committed: 90, highWatermark: 150, lowWatermark: 0, lag: 50, lastRecordTimestampMs: 1_700_000_000_000,
      records: 100, bytes: 10_000, inFlight: 0, lostRecords: 0, writtenPastFailure: 0, shard: 0,
    });
    // Offsets the engine does not know yet are null, and so is the lag they would give.
    expect((f!.partitions as unknown[])[2]).toMatchObject({ position: null, committed: null, highWatermark: null, lag: null });
    expect(f!.checkpoints).toMatchObject({
      emitted: 12, lastLatencyMs: 35, lastError: null,
      groups: [{ group: 'billing', sync: { state: 'SYNCED', reason: null }, reread: 10, skipped: 0, unreplicated: 3 }],
    });
    expect(f!.heartbeat).toEqual({
      flow: 'A->B', upstream: 'A', target: 'B', lastEmittedMs: 1_700_000_000_000, lastEmittedAgeMs: body.atMs - 1_700_000_000_000,
      lastReplicatedMs: 1_699_999_999_000, lastReplicatedAgeMs: body.atMs - 1_699_999_999_000,
    });
    expect(body.heartbeats).toHaveLength(2);
    expect(body.heartbeats[1]).toEqual({ flow: 'B->A', upstream: 'B', target: 'A', lastEmittedMs: null, lastEmittedAgeMs: null,
      lastReplicatedMs: null, lastReplicatedAgeMs: null });
  });

  it('a FAILED partition makes the flow FAILED, with the offset and the reason', async () => {
    const { app, view } = sidecar();
    view.flows = [flow({
      partitions: [
        partition({ topic: 'orders', partition: 0, status: 'FAILED', failedAt: 77, failure: 'record too large (2 MB > 1 MB)' }),
        partition({ topic: 'orders', partition: 1, status: 'PAUSED' }),
        partition({ topic: 'orders', partition: 2, status: 'WAITING', failure: 'remote partition missing' }),
        partition({ topic: 'orders', partition: 3, status: 'REVOKED' }),
      ],
    })];
    const f = (json(await app.inject('/status')).flows as Record<string, unknown>[])[0]!;
    expect(f.state).toBe('FAILED');
    expect(f.partitionCounts).toEqual({ RUNNING: 0, ISOLATING: 0, PAUSED: 1, WAITING: 1, FAILED: 1 });
    expect(f.problems).toEqual([
      '1 partition(s) FAILED: orders-0 at offset 77 (record too large (2 MB > 1 MB))',
      '1 partition(s) WAITING: orders-2 (remote partition missing)',
    ]);
    expect((f.partitions as { status: string; reason: string | null; failedAt: number | null }[]).map((p) => [p.status, p.reason, p.failedAt]))
      .toEqual([['FAILED', 'record too large (2 MB > 1 MB)', 77], ['PAUSED', null, null], ['WAITING', 'remote partition missing', null]]);
  });

  it('/status/:flow shows one flow; an unknown flow is 404, a malformed one 400', async () => {
    const { app } = sidecar();
    const res = await app.inject('/status/A-%3EB');
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ flow: 'A->B', state: 'RUNNING' });
    expect((await app.inject('/status/A->B')).statusCode).toBe(200);
    const missing = await app.inject('/status/B->A');
    expect(missing.statusCode).toBe(404);
    expect(json(missing).message).toBe(`this process runs no flow 'B->A' (flows: A->B)`);
    const bad = await app.inject('/status/A%20B');
    expect(bad.statusCode).toBe(400);
    expect(json(bad).message).toContain('params.flow: must be a flow "A->B"');
  });

  it('takes no query parameters', async () => {
    const { app } = sidecar();
    const res = await app.inject('/status?verbose=1');
    expect(res.statusCode).toBe(400);
    expect(json(res).message).toBe(`querystring: unknown parameter 'verbose' (none are taken)`);
  });
});

describe('/metrics', () => {
  it('serves the registry text with its content type', async () => {
    const { app } = sidecar({ metrics: { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: async () => 'kmirror_up 1\n' } });
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toBe('kmirror_up 1\n');
  });

  it('is 404 JSON when the process has no metrics', async () => {
    const res = await sidecar().app.inject('/metrics');
    expect(res.statusCode).toBe(404);
    expect(json(res)).toEqual({ statusCode: 404, error: 'Not Found', message: 'metrics are not enabled in this process' });
  });

  it('a failure is a 500 that tells nothing of the cause (the log has it)', async () => {
    const { app } = sidecar({ metrics: { contentType: 'text/plain', text: () => Promise.reject(new Error('sasl.password=hunter2hunter2')) } });
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(500);
    expect(json(res)).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error (details in the kmirror log)' });
  });
});

describe('GET /v1/groups/:group/offsets', () => {
  it('answers JSON from the view, every target of the group', async () => {
    const { app, view } = sidecar();
    const res = await app.inject('/v1/groups/billing/offsets');
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ group: 'billing', translations: [TRANSLATION, { ...TRANSLATION, source: 'C', partitions: [] }] });
    expect(view.translateCalls).toEqual([{ group: 'billing' }]);
  });

  it('passes source and target to the view', async () => {
    const { app, view } = sidecar();
    const res = await app.inject('/v1/groups/billing/offsets?source=A&target=B');
    expect(json(res)).toEqual({ group: 'billing', translations: [TRANSLATION] });
    expect(view.translateCalls).toEqual([{ group: 'billing', source: 'A', target: 'B' }]);
  });

  it('answers protobuf for Accept: application/x-protobuf (and application/protobuf)', async () => {
    const { app } = sidecar();
    for (const accept of ['application/x-protobuf', 'application/protobuf', 'application/json;q=0.5, application/x-protobuf']) {
      const res = await app.inject({ url: '/v1/groups/billing/offsets?source=A', headers: { accept } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-protobuf');
      expect(decode('GroupOffsets', res.rawPayload)).toEqual({ group: 'billing', translations: [TRANSLATION] });
    }
  });

  it('takes any group id, percent-encoded', async () => {
    const { app, view } = sidecar();
    const group = 'team/a b?#ü';
    view.translations.set(group, [{ ...TRANSLATION, group }]);
    const res = await app.inject(`/v1/groups/${encodeURIComponent(group)}/offsets`);
    expect(res.statusCode).toBe(200);
    expect(json(res).group).toBe(group);
    const long = 'ü'.repeat(1024);
    view.translations.set(long, [{ ...TRANSLATION, group: long }]);
    expect((await app.inject(`/v1/groups/${encodeURIComponent(long)}/offsets`)).statusCode).toBe(200);
  });

  it('an unknown group is 404 JSON, also for protobuf clients', async () => {
    const { app } = sidecar();
    for (const url of ['/v1/groups/nobody/offsets', '/v1/groups/billing/offsets?target=C']) {
      const res = await app.inject({ url, headers: { accept: 'application/x-protobuf' } });
      expect(res.statusCode).toBe(404);
      expect(json(res).message).toMatch(/^no offsets for group '(nobody|billing)'/);
    }
  });

  it.each([
    ['/v1/groups/billing/offsets?source=not%20an%20alias', 'querystring.source: must be a cluster alias from mm2.properties'],
    ['/v1/groups/billing/offsets?target=', 'querystring.target: must be a cluster alias from mm2.properties'],
    ['/v1/groups/billing/offsets?source=A&source=B', 'querystring.source: must be a cluster alias'],
    ['/v1/groups/billing/offsets?sourc=A', `querystring: unknown parameter 'sourc' (known: source, target)`],
    [`/v1/groups/${'g'.repeat(1025)}/offsets`, 'params.group: must be a consumer group id (1 to 1024 characters)'],
  ])('%s is a 400 naming the parameter', async (url, message) => {
    const res = await sidecar().app.inject(url);
    expect(res.statusCode).toBe(400);
    const body = json(res);
    expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(body.message).toContain(message);
  });
});

describe('POST /v1/offsets/translate', () => {
  const post = (app: FastifyInstance, payload: unknown, headers: InjectOptions['headers'] = {}) =>
    app.inject({ method: 'POST', url: '/v1/offsets/translate', payload: payload as InjectOptions['payload'], headers });

  it('answers every group asked for, in order, once, with the unknown ones listed', async () => {
    const { app, view } = sidecar();
    view.translations.set('audit', [{ ...TRANSLATION, group: 'audit' }]);
    const res = await post(app, { groups: ['nobody', 'billing', 'audit', 'billing', 'ghost'], source: 'A' });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({
      groups: [{ group: 'billing', translations: [TRANSLATION] }, { group: 'audit', translations: [{ ...TRANSLATION, group: 'audit' }] }],
      notFound: ['nobody', 'ghost'],
    });
    expect(view.translateCalls.map((c) => c.group)).toEqual(['nobody', 'billing', 'audit', 'ghost']);
  });

  it('is 200 with every group not found when none is known', async () => {
    const res = await post(sidecar().app, { groups: ['nobody'] });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ groups: [], notFound: ['nobody'] });
  });

  it('answers protobuf for Accept: application/x-protobuf', async () => {
    const res = await post(sidecar().app, { groups: ['billing', 'nobody'], source: 'A' }, { accept: 'application/x-protobuf' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(decode('BulkTranslation', res.rawPayload)).toEqual({
      groups: [{ group: 'billing', translations: [TRANSLATION] }],
      notFound: ['nobody'],
    });
  });

  it.each([
    [{}, 'body.groups: required'],
    [{ groups: [] }, 'body.groups: must be a list of 1 to 10000 consumer group ids'],
    [{ groups: 'billing' }, 'body.groups: must be a list of 1 to 10000 consumer group ids'],
    [{ groups: [1] }, 'body.groups.0: must be a consumer group id'],
    [{ groups: [''] }, 'body.groups.0: must be a consumer group id'],
    [{ groups: Array.from({ length: 10_001 }, (_, i) => `g${i}`) }, 'body.groups: must be a list of 1 to 10000'],
    [{ groups: ['billing'], source: 'A B' }, 'body.source: must be a cluster alias'],
    [{ groups: ['billing'], group: 'x' }, `body: unknown field 'group' (known: groups, source, target)`],
    [['billing'], 'body: must be a JSON object'],
  ])('%j is a 400 naming the field', async (payload, message) => {
    const res = await post(sidecar().app, payload);
    expect(res.statusCode).toBe(400);
    expect(json(res).message).toContain(message);
  });

  it('a body that is not JSON is a 400; another media type a 415', async () => {
    const { app } = sidecar();
    const bad = await post(app, '{"groups": [', { 'content-type': 'application/json' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error).toBe('Bad Request');
    const other = await post(app, 'groups=billing', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(other.statusCode).toBe(415);
    expect(json(other).error).toBe('Unsupported Media Type');
  });
});

describe('pause and resume', () => {
  const url = (action: string, topic = 'orders', p = '1', f = 'A->B') => `/v1/flows/${f}/partitions/${topic}/${p}/${action}`;

  it.each(['pause', 'resume'])('%s is refused (403) while no token is configured, and explains why', async (action) => {
    const { app, view } = sidecar();
    const res = await app.inject({ method: 'POST', url: url(action) });
    expect(res.statusCode).toBe(403);
    expect(json(res).message).toContain('set kmirror.sidecar.token');
    expect(view.actions).toEqual([]);
  });

  it.each(['pause', 'resume'] as const)('%s reaches the view with the token (202)', async (action) => {
    const { app, view } = sidecar({ token: TOKEN });
    const res = await app.inject({ method: 'POST', url: url(action, 'orders', '1', 'A-%3EB'), headers: auth });
    expect(res.statusCode).toBe(202);
    expect(json(res)).toMatchObject({ flow: 'A->B', topic: 'orders', partition: 1, action, accepted: true });
    expect(view.actions).toEqual([{ action, flow: 'A->B', topic: 'orders', partition: 1 }]);
  });

  it('a partition not assigned here is 404', async () => {
    const { app } = sidecar({ token: TOKEN });
    for (const target of [url('pause', 'orders', '9'), url('resume', 'payments', '0'), url('pause', 'orders', '1', 'B->A')]) {
      const res = await app.inject({ method: 'POST', url: target, headers: auth });
      expect(res.statusCode).toBe(404);
      expect(json(res).message).toContain('is not assigned to this process');
    }
  });

  it.each([
    [url('pause', 'orders', 'x'), 'params.partition: must be a partition number'],
    [url('pause', 'orders', '-1'), 'params.partition: must be a partition number'],
    [url('pause', 'orders', '01'), 'params.partition: must be a partition number'],
    [url('pause', 'orders', '2147483648'), 'params.partition: must be a partition number (0 to 2147483647)'],
    [url('pause', 'bad%20topic'), 'params.topic: must be a Kafka topic name'],
    [url('pause', 'orders', '1', 'AB'), 'params.flow: must be a flow "A->B"'],
  ])('%s is a 400', async (target, message) => {
    const { app, view } = sidecar({ token: TOKEN });
    const res = await app.inject({ method: 'POST', url: target, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(json(res).message).toContain(message);
    expect(view.actions).toEqual([]);
  });

  it('GET on an action is 404 (no such route)', async () => {
    const res = await sidecar({ token: TOKEN }).app.inject({ url: url('pause'), headers: auth });
    expect(res.statusCode).toBe(404);
  });
});

describe('bearer token', () => {
  const routes: InjectOptions[] = [
    { url: '/health/ready' },
    { url: '/status' },
    { url: '/status/A->B' },
    { url: '/metrics' },
    { url: '/v1/groups/billing/offsets' },
    { method: 'POST', url: '/v1/offsets/translate', payload: { groups: ['billing'] } },
    { method: 'POST', url: '/v1/flows/A->B/partitions/orders/0/pause' },
    { method: 'POST', url: '/v1/flows/A->B/partitions/orders/0/resume' },
    { url: '/no/such/route' },
  ];
  const metrics = { contentType: 'text/plain', text: async () => 'm 1\n' };

  it.each(routes)('$method $url needs it (401 JSON without, answered with)', async (route) => {
    const { app } = sidecar({ token: TOKEN, metrics });
    const without = await app.inject(route);
    expect(without.statusCode).toBe(401);
    expect(without.headers['www-authenticate']).toBe('Bearer realm="kmirror"');
    expect(json(without).message).toContain('missing "Authorization: Bearer <token>"');
    const wrong = await app.inject({ ...route, headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.statusCode).toBe(401);
    expect(json(wrong).message).toBe('the bearer token is not kmirror.sidecar.token');
    const right = await app.inject({ ...route, headers: { authorization: `bearer  ${TOKEN} ` } });
    expect(right.statusCode).not.toBe(401);
    expect(right.statusCode).not.toBe(403);
  });

  it('other schemes and malformed headers are 401', async () => {
    const { app } = sidecar({ token: TOKEN });
    for (const authorization of [`Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, TOKEN, 'Bearer', `Bearer ${TOKEN} extra`]) {
      const res = await app.inject({ url: '/status', headers: { authorization } });
      expect(res.statusCode).toBe(401);
      expect(json(res).message).toMatch(/Bearer <token>|not kmirror.sidecar.token/);
    }
  });

  it('read routes are open without a token configured', async () => {
    const { app } = sidecar({ metrics });
    for (const route of routes.slice(0, 6)) expect((await app.inject(route)).statusCode, route.url as string).toBe(200);
  });

  it('unknown routes are 404 JSON', async () => {
    const { app } = sidecar();
    for (const route of [{ url: '/' }, { url: '/v2/anything?x=1' }, { method: 'DELETE' as const, url: '/status' }]) {
      const res = await app.inject(route);
      expect(res.statusCode).toBe(404);
      expect(json(res)).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect(json(res).message).not.toContain('?');
    }
  });
});

describe('secrets never appear in an answer', () => {
  const SASL_PASSWORD = 'sasl-secret-p4ssw0rd';

  it('not the token, not a client password, whatever the request and whatever the engine says', async () => {
    const view = new FakeView();
    // Text from elsewhere (a Kafka error, a group id someone chose) that happens to hold secrets.
    view.flows = [flow({
      lastRefreshError: `SASL authentication failed for password ${SASL_PASSWORD}`,
      partitions: [partition({ topic: 'orders', partition: 0, status: 'FAILED', failure: `rejected token ${TOKEN}` })],
    })];
    view.ready = { ready: false, reasons: [`A->B: ${SASL_PASSWORD}`] };
    view.translations.set(TOKEN, [{ ...TRANSLATION, group: TOKEN }]);
    const { app } = sidecar({ view, token: TOKEN, secrets: [SASL_PASSWORD],
      metrics: { contentType: 'text/plain', text: async () => `kmirror_info{token="${TOKEN}"} 1\n` } });
    const requests: InjectOptions[] = [
      { url: '/health/live' }, { url: '/health/ready' }, { url: '/status' }, { url: '/status/A->B' }, { url: '/metrics' },
      { url: `/v1/groups/${TOKEN}/offsets` }, { url: `/v1/groups/billing/offsets?source=${TOKEN}` },
      { url: `/v1/groups/billing/offsets?token=${TOKEN}` },
      { method: 'POST', url: '/v1/offsets/translate', payload: { groups: [TOKEN, 'billing'], token: TOKEN } },
      { method: 'POST', url: '/v1/offsets/translate', payload: { groups: [TOKEN, 'nobody'] } },
      { method: 'POST', url: '/v1/offsets/translate', payload: `{"groups": ["${TOKEN}"`, headers: { 'content-type': 'application/json' } },
      { method: 'POST', url: '/v1/flows/A->B/partitions/orders/0/pause' },
      { method: 'POST', url: `/v1/flows/A->B/partitions/${TOKEN}/0/pause` },
      { url: `/${TOKEN}` }, { url: `/x?${TOKEN}` },
    ];
    const headerSets = [{}, auth, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, { authorization: `Bearer ${TOKEN}${TOKEN}` },
      { authorization: `Basic ${TOKEN}` }];
    let answers = 0;
    for (const request of requests) {
      for (const headers of headerSets) {
        const res = await app.inject({ ...request, headers: { ...request.headers, ...headers } });
        const everything = JSON.stringify(res.headers) + res.rawPayload.toString('latin1');
        expect(everything, `${request.method ?? 'GET'} ${request.url as string}`).not.toContain(TOKEN);
        expect(everything).not.toContain(TOKEN.slice(0, -1));
        expect(everything).not.toContain(SASL_PASSWORD);
        answers++;
      }
    }
    expect(answers).toBe(requests.length * headerSets.length);
    // The secrets were in the engine's answers: redacted, not dropped.
    const status = await app.inject({ url: '/status', headers: auth });
    expect(status.body).toContain('rejected token [redacted]');
    expect(status.body).toContain('for password [redacted]');
  });
});

describe('tokenMatcher', () => {
  it('accepts the token only: not a prefix, an extension, another case or another length', () => {
    const matches = tokenMatcher(TOKEN);
    expect(matches(TOKEN)).toBe(true);
    for (const guess of ['', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), `${TOKEN.slice(0, -1)}!`, 'x'.repeat(TOKEN.length)]) {
      expect(matches(guess), guess).toBe(false);
    }
  });
});

describe('secrets in protobuf answers and in escaped text', () => {
  /** A client password with every character JSON escapes (quote, backslash, `/`, non-ASCII, a newline). */
  const AWKWARD = 'pa"ss\\wö/rd\n-😀';
  const GROUP_SECRET = 'group-named-like-a-password';

  function viewWithSecrets(): FakeView {
    const view = new FakeView();
    // A group and a topic someone named after a secret, and commit metadata that quotes one.
    view.translations.set(GROUP_SECRET, [{
      ...TRANSLATION, group: GROUP_SECRET,
      partitions: [{ ...TRANSLATION.partitions[0]!, topic: `A.${AWKWARD}`, upstreamTopic: AWKWARD, metadata: `meta ${GROUP_SECRET}` }],
    }]);
    view.flows = [flow({
      lastRefreshError: `SASL authentication failed: ${AWKWARD}`,
      partitions: [partition({ topic: 'orders', partition: 0, status: 'FAILED', failure: `password "${AWKWARD}" refused` })],
    })];
    view.ready = { ready: false, reasons: [`A->B: ${AWKWARD}`] };
    return view;
  }

  it('a protobuf translation carries no secret: group, topics and metadata are redacted before encoding', async () => {
    const { app } = sidecar({ view: viewWithSecrets(), secrets: [AWKWARD, GROUP_SECRET] });
    const single = await app.inject({ url: `/v1/groups/${encodeURIComponent(GROUP_SECRET)}/offsets`, headers: { accept: 'application/x-protobuf' } });
    expect(single.statusCode).toBe(200);
    const bulk = await app.inject({ method: 'POST', url: '/v1/offsets/translate', payload: { groups: [GROUP_SECRET, AWKWARD] },
      headers: { accept: 'application/x-protobuf' } });
    expect(bulk.statusCode).toBe(200);
    for (const bytes of [single.rawPayload, bulk.rawPayload]) {
      const raw = bytes.toString('utf8');
      for (const secret of [AWKWARD, GROUP_SECRET, 'pa"ss', 'wö/rd']) expect(raw).not.toContain(secret);
    }
    const partitionOf = { topic: 'A.[redacted]', partition: 0, offset: 42, upstreamTopic: '[redacted]', upstreamOffset: 40, metadata: 'meta [redacted]' };
    expect(decode('GroupOffsets', single.rawPayload)).toEqual({
      group: '[redacted]', translations: [{ group: '[redacted]', source: 'A', target: 'B', partitions: [partitionOf] }],
    });
    expect(decode('BulkTranslation', bulk.rawPayload)).toEqual({
      groups: [{ group: '[redacted]', translations: [{ group: '[redacted]', source: 'A', target: 'B', partitions: [partitionOf] }] }],
      notFound: ['[redacted]'],
    });
  });

  it('the JSON translation is redacted the same way, and the cache keeps the redacted bytes', async () => {
    const { app } = sidecar({ view: viewWithSecrets(), secrets: [AWKWARD, GROUP_SECRET] });
    for (let i = 0; i < 2; i++) {
      const res = await app.inject(`/v1/groups/${encodeURIComponent(GROUP_SECRET)}/offsets`);
      expect(json(res)).toMatchObject({ group: '[redacted]', translations: [{ partitions: [{ topic: 'A.[redacted]', metadata: 'meta [redacted]' }] }] });
    }
  });

  it('a secret JSON escapes is found in every JSON answer, and in Prometheus text', async () => {
    const metrics = { contentType: 'text/plain', text: async () => `kmirror_info{reason="${AWKWARD.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"} 1\n` };
    const { app } = sidecar({ view: viewWithSecrets(), secrets: [AWKWARD], metrics });
    const forms = [AWKWARD, JSON.stringify(AWKWARD).slice(1, -1), 'pa\\"ss', 'wö/rd', 'w\\u00f6'];
    for (const url of ['/health/ready', '/status', '/status/A->B', '/metrics']) {
      const res = await app.inject(url);
      for (const form of forms) expect(res.body, `${url}: ${form}`).not.toContain(form);
      expect(res.body, url).toContain('[redacted]');
    }
    const status = json(await app.inject('/status')) as { flows: { lastRefreshError: string; partitions: { reason: string }[] }[] };
    expect(status.flows[0]!.lastRefreshError).toBe('SASL authentication failed: [redacted]');
    expect(status.flows[0]!.partitions[0]!.reason).toBe('password "[redacted]" refused');
  });

  it('an escaped secret in an error message is redacted too', async () => {
    const { app } = sidecar({ secrets: [AWKWARD] });
    const res = await app.inject({ url: `/v1/groups/${encodeURIComponent(AWKWARD)}/offsets` });
    expect(res.statusCode).toBe(404);
    expect(json(res).message).toBe(`no offsets for group '[redacted]': the group is unknown, not selected by the flows' groups/groups.exclude, or not checkpointed yet`);
    expect(res.body).not.toContain(JSON.stringify(AWKWARD).slice(1, -1));
  });
});

describe('an unknown route never repeats the path', () => {
  const SECRETISH = 'pasted-credential-0123456789';
  const paths = [`/${SECRETISH}`, `/v2/${SECRETISH}?q=${SECRETISH}`, `//status/${SECRETISH}`];

  it('without a token configured: 404 that says only that there is no such route', async () => {
    const { app } = sidecar();
    for (const url of paths) {
      for (const method of ['GET', 'POST', 'DELETE'] as const) {
        const res = await app.inject({ method, url });
        expect(res.statusCode).toBe(404);
        expect(json(res)).toEqual({ statusCode: 404, error: 'Not Found', message: 'no such route (routes: see the README, "Sidecar (HTTP)")' });
      }
    }
  });

  it('with a token, a caller without it gets the 401 every path gets: nothing about the path or which routes exist', async () => {
    const { app } = sidecar({ token: TOKEN });
    const known = await app.inject('/status');
    for (const url of paths) {
      for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }]) {
        const res = await app.inject({ url, headers });
        expect(res.statusCode).toBe(401);
        expect(res.body).not.toContain(SECRETISH);
        if (Object.keys(headers).length === 0) expect(res.body).toBe(known.body);
      }
    }
  });

  it('the bearer of the token is told which routes exist, still without the path', async () => {
    const { app } = sidecar({ token: TOKEN });
    const res = await app.inject({ method: 'DELETE', url: `/status/${SECRETISH}`, headers: auth });
    expect(res.statusCode).toBe(404);
    const message = json(res).message as string;
    expect(message).not.toContain(SECRETISH);
    expect(message).toMatch(/^no route for DELETE on this path; the routes are: GET \/health\/live, GET \/health\/ready, GET \/status, GET \/status\/:flow, /);
    expect(message).toContain('POST /v1/flows/:flow/partitions/:topic/:partition/resume');
    expect(message).not.toContain('HEAD');
  });

  it.each([
    ['bad percent-encoding', `/status/${SECRETISH}%zz`, 400],
    ['a parameter longer than the router takes', `/v1/groups/${SECRETISH}${'g'.repeat(13_000)}/offsets`, 414],
  ])('%s: access is checked first, and the answer never quotes the path', async (_what, url, status) => {
    const open = await sidecar().app.inject(url);
    expect(open.statusCode).toBe(status);
    expect(json(open).message).not.toContain(SECRETISH);
    const { app } = sidecar({ token: TOKEN });
    const without = await app.inject(url);
    expect(without.statusCode).toBe(401);
    expect(without.body).not.toContain(SECRETISH);
    const withToken = await app.inject({ url, headers: auth });
    expect(withToken.statusCode).toBe(status);
    expect(withToken.body).not.toContain(SECRETISH);
  });
});
