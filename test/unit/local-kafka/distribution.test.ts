import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isKmirrorError } from '../../../src/errors.js';
import { checkAgainstLock, findJava, lockPath, parseLock } from '../../../src/local-kafka/distribution.js';

const hash = (c: string) => c.repeat(64);

describe('kafka-jars.lock', () => {
  it('pins every jar of the Kafka release with a sha256', () => {
    const lock = parseLock(readFileSync(lockPath, 'utf8'));
    expect(lock.size).toBeGreaterThan(50);
    expect([...lock.keys()]).toEqual(expect.arrayContaining(['kafka_2.13-4.1.1.jar', 'kafka-clients-4.1.1.jar',
      'kafka-tools-4.1.1.jar', 'connect-mirror-4.1.1.jar']));
  });

  it('rejects a malformed line', () => {
    expect(() => parseLock('abc  x.jar\n')).toThrow(/malformed line 'abc  x.jar'/);
  });

  it('reports every jar that differs, is missing or is extra', () => {
    const expected = new Map([['a.jar', hash('a')], ['b.jar', hash('b')]]);
    const actual = new Map([['a.jar', hash('c')], ['z.jar', hash('z')]]);
    let error: unknown;
    try {
      checkAgainstLock(expected, actual);
    } catch (err) {
      error = err;
    }
    expect(isKmirrorError(error, ErrorCodes.KAFKA_DISTRIBUTION)).toBe(true);
    expect((error as { details: string[] }).details).toEqual([
      `a.jar: sha256 ${hash('c')}, expected ${hash('a')}`,
      'b.jar: expected but not resolved',
      'z.jar: resolved but not in the lock',
    ]);
    expect(() => checkAgainstLock(expected, new Map(expected))).not.toThrow();
  });
});

describe('findJava', () => {
  it('says what to install when Java is missing', async () => {
    const error = await findJava({ ...process.env, JAVA_HOME: '/nonexistent/jdk' }).catch((err: unknown) => err);
    expect(isKmirrorError(error, ErrorCodes.PREREQUISITE_MISSING)).toBe(true);
    expect((error as Error).message).toContain('apt-get install openjdk-17-jre-headless');
  });

  it('finds the machine\'s Java 17+', async () => {
    await expect(findJava()).resolves.toMatch(/java$/);
  });
});
