import { describe, expect, it } from 'vitest';
import { checkMirrorConfig } from '../../../src/config/mirror-config.js';

const base = `clusters = A, B
A.bootstrap.servers = a:9092
B.bootstrap.servers = b:9092
A->B.enabled = true
`;

const errorsOf = (extra: string) => checkMirrorConfig(base + extra).issues.filter((i) => i.severity === 'error');

describe('client settings the positions rely on', () => {
  it.each([
    ['producer.enable.idempotence = false', 'producer.enable.idempotence'],
    ['B.producer.acks = 1', 'B.producer.acks'],
    ['A->B.producer.delivery.timeout.ms = 120000', 'A->B.producer.delivery.timeout.ms'],
    ['producer.message.timeout.ms = 300000', 'producer.message.timeout.ms'],
    ['producer.enable.gapless.guarantee = false', 'producer.enable.gapless.guarantee'],
  ])('%s is an error naming key and line', (line, key) => {
    const errors = errorsOf(`${line}\n`);
    expect(errors).toEqual([expect.objectContaining({ key, line: 5 })]);
    expect(errors[0]!.message).toMatch(/^cannot be changed: .*remove the line/);
  });

  it.each(['producer.acks = all', 'producer.acks = -1', 'producer.enable.idempotence = TRUE', 'producer.delivery.timeout.ms = 2147483647'])(
    '%s (what kmirror uses anyway) is accepted', (line) => {
      expect(errorsOf(`${line}\n`)).toEqual([]);
    });

  it('the consumer may set what it likes of these names', () => {
    expect(errorsOf('consumer.acks = 1\n')).toEqual([]);
  });
});

describe('numeric client settings', () => {
  it.each([
    ['producer.max.request.size = 4MB', 'producer.max.request.size'],
    ['B.producer.batch.size = big', 'B.producer.batch.size'],
    ['A->B.consumer.fetch.max.bytes = 1e6', 'A->B.consumer.fetch.max.bytes'],
    ['A.request.timeout.ms = soon', 'A.request.timeout.ms'],
  ])('%s is an error at validate time, not a process abort', (line, key) => {
    expect(errorsOf(`${line}\n`)).toEqual([expect.objectContaining({ key, line: 5, message: 'must be a whole number' })]);
  });

  it('whole numbers pass', () => {
    expect(errorsOf('producer.max.request.size = 4194304\nconsumer.fetch.max.bytes = 52428800\n')).toEqual([]);
  });
});

describe('MM2 settings named like a role override', () => {
  it('admin.timeout.ms is the MM2 setting, not the admin client\'s timeout.ms (top level and per flow)', () => {
    const { config, issues } = checkMirrorConfig(`${base}admin.timeout.ms = 30000\nA->B.admin.timeout.ms = 5000\n`);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(config!.flows.find((f) => f.name === 'A->B')!.settings['admin.timeout.ms']).toBe(5000);
    expect(config!.flows.find((f) => f.name === 'A->B')!.clients.targetAdmin['timeout.ms']).toBeUndefined();
    expect(config!.flows.find((f) => f.name === 'B->A')!.settings['admin.timeout.ms']).toBe(30000);
  });
});
