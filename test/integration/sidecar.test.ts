import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { bootstrap, createTopic, produce, uniqueTopic } from '../support/kafka.js';
import { endOffsets, mm2Properties, setGroupOffsets, spawnKmirror, waitFor } from '../support/kmirror.js';

const TOKEN = 'test-token-5c1f-9a7e-41d2';

interface PartitionJson { topic: string; partition: number; status: string; position: number | null }

describe('the sidecar of a running kmirror (real clusters)', () => {
  it('health, status, pause and resume of one partition, offset translation in JSON and protobuf', async () => {
    const topic = uniqueTopic('sidecar');
    const remote = `source.${topic}`;
    await createTopic(bootstrap('source'), topic, 2);
    await produce(bootstrap('source'), topic, Array.from({ length: 100 }, (_, i) => ({ partition: i % 2, value: `a${i}` })));
    const group = uniqueTopic('app');
    await setGroupOffsets(bootstrap('source'), group, [{ topic, partition: 0, offset: 30 }, { topic, partition: 1, offset: 40 }]);

    const kmirror = spawnKmirror(mm2Properties({ source: bootstrap('source'), target: bootstrap('target') }, {
      'source->target.enabled': true, 'source->target.topics': topic,
      'emit.checkpoints.interval.seconds': 1, 'refresh.groups.interval.seconds': 1,
      'kmirror.sidecar.token': TOKEN,
    }));
    const url = await waitFor('the sidecar URL in the log', () => /sidecar listening on (http:\/\/[^"\s]+)/.exec(kmirror.output.join(''))?.[1])
      .catch((err: unknown) => { throw new Error(`${(err as Error).message}\n${kmirror.output.join('')}`); });
    const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => fetch(`${url}${path}`, { headers });
    const post = (path: string, token: string | null = TOKEN) =>
      fetch(`${url}${path}`, { method: 'POST', headers: token === null ? {} : { authorization: `Bearer ${token}` } });

    expect((await get('/health/live', {})).status).toBe(200);
    expect((await get('/status', {})).status).toBe(401);
    await waitFor('ready', async () => (await get('/health/ready')).status === 200);
    const partitionsOf = async () => ((await (await get('/status/source->target')).json()) as { partitions: PartitionJson[] }).partitions
      .filter((p) => p.topic === topic);
    await waitFor('both partitions copied', async () => {
      const ps = await partitionsOf();
      return ps.length === 2 && ps.every((p) => p.status === 'RUNNING' && p.position === 50);
    });

    // Pause partition 0: state-changing, so the token is required.
    const pausePath = `/v1/flows/source->target/partitions/${topic}/0/pause`;
    expect((await post(pausePath, null)).status).toBe(401);
    expect((await post(pausePath, 'wrong')).status).toBe(401);
    expect((await post(pausePath)).status).toBeLessThan(300);
    await waitFor('partition 0 PAUSED', async () => (await partitionsOf()).find((p) => p.partition === 0)?.status === 'PAUSED');
    await produce(bootstrap('source'), topic, Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, value: `b${i}` })));
    // Partition 1 goes on; by the time its new records are on the target, partition 0 has copied none.
    await waitFor('partition 1 copied on', async () => (await endOffsets(bootstrap('target'), remote, 2))[1] === 70);
    expect((await endOffsets(bootstrap('target'), remote, 2))[0]).toBe(50);
    expect((await post(`/v1/flows/source->target/partitions/${topic}/0/resume`)).status).toBeLessThan(300);
    await waitFor('partition 0 copied after resume', async () => (await endOffsets(bootstrap('target'), remote, 2))[0] === 70);
    expect((await post(`/v1/flows/source->target/partitions/${topic}/7/pause`)).status).toBe(404);

    // Offset translation, from memory: JSON, then protobuf with the schema in the repository.
    const json = await waitFor('the group translated', async () => {
      const res = await get(`/v1/groups/${group}/offsets?source=source&target=target`);
      return res.status === 200 ? await res.json() as { translations: { partitions: { topic: string; partition: number; offset: number }[] }[] } : undefined;
    });
    expect(json.translations[0]!.partitions.map((p) => [p.topic, p.partition, p.offset])).toEqual([[remote, 0, 30], [remote, 1, 40]]);
    const res = await get(`/v1/groups/${group}/offsets`, { authorization: `Bearer ${TOKEN}`, accept: 'application/x-protobuf' });
    expect(res.headers.get('content-type')).toContain('application/x-protobuf');
    const root = await protobuf.load(join(packageRoot, 'proto', 'kmirror.proto'));
    const type = root.lookupType('kmirror.v1.GroupOffsets');
    const decoded = type.toObject(type.decode(new Uint8Array(await res.arrayBuffer())), { longs: Number, defaults: true }) as {
      translations: { partitions: { topic: string; partition: number; offset: number }[] }[];
    };
    expect(decoded.translations[0]!.partitions.map((p) => [p.topic, p.partition, p.offset])).toEqual([[remote, 0, 30], [remote, 1, 40]]);
    expect((await get('/v1/groups/nobody-here/offsets')).status).toBe(404);

    // Nothing answered contains the token.
    for (const path of ['/status', '/metrics', `/v1/groups/${group}/offsets`, '/no/such/route']) {
      expect(await (await get(path)).text()).not.toContain(TOKEN);
    }
  });
});
