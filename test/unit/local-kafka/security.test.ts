import { Properties } from 'properties-file/parser';
import { describe, expect, it } from 'vitest';
import { aclCommands, parseAclList, toJavaProperties } from '../../../src/local-kafka/security.js';

describe('toJavaProperties', () => {
  it('writes text that java.util.Properties reads back as the same settings: PEM values, spaces, separators, prefixes', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\\x+/=\n-----END CERTIFICATE-----';
    const settings = {
      'ssl.truststore.certificates': pem,
      'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="p=q:r#!";',
      'odd key=with:separators': ' leading space',
      'ssl.endpoint.identification.algorithm': '',
    };
    const text = toJavaProperties(settings, 'source.');
    const parsed = Object.fromEntries(new Properties(text).getProperties().map((p) => [p.key, p.value]));
    expect(parsed).toEqual(Object.fromEntries(Object.entries(settings).map(([k, v]) => [`source.${k}`, v])));
    expect(text.trimEnd().split('\n')).toHaveLength(4);
  });
});

describe('ACL commands for kafka-acls', () => {
  it('groups bindings that differ only in resource name into one run', () => {
    expect(aclCommands([
      { principal: 'replicator', resource: 'topic', name: 'orders', operations: ['Write', 'Describe'] },
      { principal: 'User:replicator', resource: 'topic', name: 'payments', operations: ['Describe', 'Write'] },
      { principal: 'replicator', resource: 'topic', name: 'mm2-', patternType: 'prefixed', operations: ['All'] },
      { principal: 'intruder', resource: 'group', name: 'g', operations: ['Read'], permission: 'deny', host: '127.0.0.1' },
      { principal: 'replicator', resource: 'cluster', operations: ['Describe'] },
    ])).toEqual([
      ['--allow-principal', 'User:replicator', '--allow-host', '*', '--operation', 'Describe', '--operation', 'Write',
        '--resource-pattern-type', 'literal', '--topic', 'orders', '--topic', 'payments'],
      ['--allow-principal', 'User:replicator', '--allow-host', '*', '--operation', 'All', '--resource-pattern-type', 'prefixed',
        '--topic', 'mm2-'],
      ['--deny-principal', 'User:intruder', '--deny-host', '127.0.0.1', '--operation', 'Read', '--resource-pattern-type', 'literal',
        '--group', 'g'],
      ['--allow-principal', 'User:replicator', '--allow-host', '*', '--operation', 'Describe', '--resource-pattern-type', 'literal',
        '--cluster'],
    ]);
  });

  it('refuses a binding without operations or without a resource name', () => {
    expect(() => aclCommands([{ principal: 'a', resource: 'topic', name: 't', operations: [] }])).toThrow(/names no operation/);
    expect(() => aclCommands([{ principal: 'a', resource: 'group', operations: ['Read'] }])).toThrow(/needs a resource name/);
  });

  it('parses kafka-acls --list output', () => {
    const text = [
      'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`: ',
      ' \t(principal=User:replicator, host=*, operation=WRITE, permissionType=ALLOW)',
      ' \t(principal=User:replicator, host=*, operation=READ, permissionType=ALLOW) ',
      '',
      'Current ACLs for resource `ResourcePattern(resourceType=GROUP, name=mm2-, patternType=PREFIXED)`: ',
      ' \t(principal=User:intruder, host=127.0.0.1, operation=READ, permissionType=DENY)',
    ].join('\n');
    expect(parseAclList(text)).toEqual([
      { resourceType: 'TOPIC', name: 'orders', patternType: 'LITERAL', principal: 'User:replicator', host: '*', operation: 'WRITE', permission: 'ALLOW' },
      { resourceType: 'TOPIC', name: 'orders', patternType: 'LITERAL', principal: 'User:replicator', host: '*', operation: 'READ', permission: 'ALLOW' },
      { resourceType: 'GROUP', name: 'mm2-', patternType: 'PREFIXED', principal: 'User:intruder', host: '127.0.0.1', operation: 'READ', permission: 'DENY' },
    ]);
  });
});
