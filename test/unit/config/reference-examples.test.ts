import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMirrorConfig, type MirrorConfig } from '../../../src/config/mirror-config.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'mm2');
const load = (name: string): MirrorConfig =>
  parseMirrorConfig(readFileSync(join(fixtures, name), 'utf8'), { file: join(fixtures, name) });

const enabledFlows = (config: MirrorConfig) => config.flows.filter((f) => f.enabled).map((f) => f.name).sort();
const heartbeatOnly = (config: MirrorConfig) => config.flows.filter((f) => !f.enabled).map((f) => f.name).sort();
const flow = (config: MirrorConfig, name: string) => {
  const found = config.flows.find((f) => f.name === name);
  if (!found) throw new Error(`no flow ${name}`);
  return found;
};

// Every configuration example of the user's MM2 reference, resolved as MM2 would.
describe('the reference configuration examples', () => {
  it('cluster and security block: one flow, SASL settings reach every client of each cluster', () => {
    const config = load('cluster-security.properties');
    expect(config.warnings).toEqual([]);
    expect(config.clusters.map((c) => [c.alias, c.bootstrapServers])).toEqual([
      ['source', 'source-broker-1:9092,source-broker-2:9092,source-broker-3:9092'],
      ['target', 'target-broker-1:9092,target-broker-2:9092,target-broker-3:9092'],
    ]);
    expect(enabledFlows(config)).toEqual(['source->target']);
    expect(heartbeatOnly(config)).toEqual(['target->source']);
    const f = flow(config, 'source->target');
    expect(f.settings.topics).toEqual(['.*']);
    // Java properties unescape `\-` and `\.`: MM2 sees the same pattern.
    expect(f.settings['topics.exclude']).toEqual(['.*[-.]internal', '.*.replica', '__.*']);
    expect(f.settings['groups.exclude']).toEqual(['console-consumer-.*', 'connect-.*']);
    expect(f.settings['replication.factor']).toBe(3);
    expect(f.settings['refresh.topics.interval.seconds']).toBe(60);
    expect(f.settings['sync.topic.acls.enabled']).toBe(false);
    expect(f.settings['sync.group.offsets.enabled']).toBe(true);
    expect(f.settings['tasks.max']).toBe(10);
    expect(f.settings['offset.lag.max']).toBe(100);
    expect(f.clients.sourceConsumer).toMatchObject({
      'bootstrap.servers': 'source-broker-1:9092,source-broker-2:9092,source-broker-3:9092',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="mm2-user" password="secret";',
      'fetch.min.bytes': '1048576',
      'fetch.max.wait.ms': '500',
      'enable.auto.commit': 'false',
      'auto.offset.reset': 'earliest',
    });
    expect(f.clients.targetProducer).toMatchObject({
      'bootstrap.servers': 'target-broker-1:9092,target-broker-2:9092,target-broker-3:9092',
      'security.protocol': 'SASL_SSL',
      'batch.size': '524288',
      'linger.ms': '100',
      'compression.type': 'lz4',
      'buffer.memory': '67108864',
    });
    expect(f.clients.targetProducer).not.toHaveProperty('fetch.min.bytes');
  });

  it('active-passive DR: primary->dr with offset sync, dr->primary heartbeats only', () => {
    const config = load('active-passive.properties');
    expect(config.warnings).toEqual([]);
    expect(enabledFlows(config)).toEqual(['primary->dr']);
    expect(heartbeatOnly(config)).toEqual(['dr->primary']);
    const f = flow(config, 'primary->dr');
    expect(f.settings['topics.exclude']).toEqual(['.*.internal', '__.*']);
    expect(f.settings['groups.exclude']).toEqual(['console-consumer-.*', 'connect-.*', '__.*']);
    expect(f.settings['sync.group.offsets.enabled']).toBe(true);
    expect(f.settings['emit.checkpoints.enabled']).toBe(true);
    expect(f.settings['replication.factor']).toBe(3);
    expect(f.settings['tasks.max']).toBe(10);
  });

  it('active-active: both directions with the same topic list', () => {
    const config = load('active-active.properties');
    expect(config.warnings).toEqual([]);
    expect(enabledFlows(config)).toEqual(['east->west', 'west->east']);
    expect(heartbeatOnly(config)).toEqual([]);
    for (const name of ['east->west', 'west->east']) {
      const f = flow(config, name);
      expect(f.settings.topics).toEqual(['orders', 'events', 'users']);
      expect(f.settings['tasks.max']).toBe(6);
      expect(f.settings['emit.heartbeats.enabled']).toBe(true);
      expect(f.settings['replication.policy.class']).toBe('org.apache.kafka.connect.mirror.DefaultReplicationPolicy');
    }
  });

  it('fan-out: central to three regions', () => {
    const config = load('fan-out.properties');
    expect(config.warnings).toEqual([]);
    expect(enabledFlows(config)).toEqual(['central->region-apac', 'central->region-eu', 'central->region-us']);
    for (const name of enabledFlows(config)) expect(flow(config, name).settings.topics).toEqual(['global-.*']);
    // MM2 keeps a heartbeat emitter for every other ordered pair: 4 × 3 − 3.
    expect(heartbeatOnly(config)).toHaveLength(9);
    expect(flow(config, 'central->region-us').clients.targetProducer['bootstrap.servers']).toBe('us:9092');
  });

  it('aggregation: three regions into central', () => {
    const config = load('aggregation.properties');
    expect(config.warnings).toEqual([]);
    expect(enabledFlows(config)).toEqual(['region-apac->central', 'region-eu->central', 'region-us->central']);
    for (const name of enabledFlows(config)) {
      const f = flow(config, name);
      expect(f.settings.topics).toEqual(['events']);
      expect(f.target).toBe('central');
      expect(f.settings['replication.factor']).toBe(3);
    }
  });

  it('initial deployment: the smallest useful file', () => {
    const config = load('initial-deployment.properties');
    expect(config.warnings).toEqual([]);
    expect(enabledFlows(config)).toEqual(['source->target']);
    expect(flow(config, 'source->target').settings['replication.factor']).toBe(3);
  });
});
