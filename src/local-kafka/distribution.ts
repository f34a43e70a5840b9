import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCodes, KmirrorError } from '../errors.js';
import { cacheDir, packageRoot } from '../paths.js';

const run = promisify(execFile);

/**
 * The pinned Apache Kafka jars, resolved from Maven Central by Maven with strict checksums
 * (`mvn -C`), then checked file by file against the sha256 list in kafka-jars.lock. They are
 * cached outside the repository; a changed pom or lock gives a new cache folder.
 */
export interface KafkaDistribution {
  readonly version: string;
  readonly libsDir: string;
  /** Java class path: every jar of the distribution. */
  readonly classpath: string;
  readonly java: string;
}

const here = join(packageRoot, 'src', 'local-kafka');
export const pomPath = join(here, 'pom.xml');
export const lockPath = join(here, 'kafka-jars.lock');
const verifiedStamp = '.verified';

export const MIN_JAVA_MAJOR = 17;

export interface EnsureOptions {
  log?: (line: string) => void;
  /** Rewrite kafka-jars.lock from what Maven resolved instead of checking against it. */
  updateLock?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function ensureKafkaDistribution(options: EnsureOptions = {}): Promise<KafkaDistribution> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const java = await findJava(env);
  const pom = await readFile(pomPath, 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new KmirrorError(ErrorCodes.KAFKA_DISTRIBUTION, `${pomPath} has no <kafka.version>`);
  const home = (lock: string) =>
    join(cacheDir(env), `kafka-${version}-${createHash('sha256').update(pom).update(lock).digest('hex').slice(0, 12)}`);
  const distribution = (lock: string): KafkaDistribution => {
    const libsDir = join(home(lock), 'libs');
    return { version, libsDir, classpath: join(libsDir, '*'), java };
  };
  if (!options.updateLock) {
    const cached = distribution(await readLock());
    if (existsSync(join(cached.libsDir, verifiedStamp))) return cached;
  }

  await findMaven(env);
  const staging = join(cacheDir(env), `staging-${process.pid}`);
  log(`Resolving Apache Kafka ${version} jars from Maven Central (once; cached in ${cacheDir(env)})`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await run(
      'mvn',
      ['-B', '-q', '--strict-checksums', '-f', pomPath, 'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
      { env, maxBuffer: 64 * 1024 * 1024 },
    );
    const actual = await hashJars(staging);
    if (options.updateLock) {
      await writeFile(lockPath, formatLock(actual));
      log(`Wrote ${lockPath} (${actual.size} jars)`);
    }
    const lock = await readLock();
    checkAgainstLock(parseLock(lock), actual);
    await writeFile(join(staging, verifiedStamp), new Date().toISOString() + '\n');
    const result = distribution(lock);
    await rm(result.libsDir, { recursive: true, force: true });
    await mkdir(home(lock), { recursive: true });
    await rename(staging, result.libsDir);
    return result;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (err instanceof KmirrorError) throw err;
    const output = (err as { stdout?: string }).stdout ?? '';
    throw new KmirrorError(ErrorCodes.KAFKA_DISTRIBUTION,
      `Maven could not resolve the Kafka ${version} jars from Maven Central: ` +
      (output.trim().split('\n').slice(-5).join(' | ') || (err as Error).message),
      { cause: err, canRetry: true });
  }
}

async function readLock(): Promise<string> {
  try {
    return await readFile(lockPath, 'utf8');
  } catch (err) {
    throw new KmirrorError(ErrorCodes.KAFKA_DISTRIBUTION,
      `${lockPath} is missing: run 'npm run kafka -- lock' to create it`, { cause: err });
  }
}

/** kafka-jars.lock: one `<sha256>  <file name>` line per jar, sorted by name; `#` starts a comment. */
export function parseLock(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const match = /^([0-9a-f]{64})\s+(\S+)$/.exec(trimmed);
    if (!match) throw new KmirrorError(ErrorCodes.KAFKA_DISTRIBUTION, `${lockPath}: malformed line '${trimmed}'`);
    entries.set(match[2]!, match[1]!);
  }
  return entries;
}

function formatLock(hashes: Map<string, string>): string {
  const names = [...hashes.keys()].sort();
  return '# sha256 of every jar src/local-kafka/pom.xml resolves; regenerate with: npm run kafka -- lock\n' +
    names.map((name) => `${hashes.get(name)}  ${name}`).join('\n') + '\n';
}

export function checkAgainstLock(expected: Map<string, string>, actual: Map<string, string>): void {
  const problems: string[] = [];
  for (const [name, hash] of expected) {
    const got = actual.get(name);
    if (got === undefined) problems.push(`${name}: expected but not resolved`);
    else if (got !== hash) problems.push(`${name}: sha256 ${got}, expected ${hash}`);
  }
  for (const name of actual.keys()) if (!expected.has(name)) problems.push(`${name}: resolved but not in the lock`);
  if (problems.length > 0) {
    throw new KmirrorError(ErrorCodes.KAFKA_DISTRIBUTION,
      `the resolved Kafka jars do not match ${lockPath}`, { details: problems });
  }
}

async function hashJars(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.jar')).sort()) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(join(dir, name))) hash.update(chunk as Buffer);
    hashes.set(name, hash.digest('hex'));
  }
  return hashes;
}

/** The java binary ($JAVA_HOME/bin/java, else java on PATH), checked to be Java 17 or newer. */
export async function findJava(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const java = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
  let banner: string;
  try {
    banner = (await run(java, ['-version'], { env })).stderr;
  } catch (err) {
    throw new KmirrorError(ErrorCodes.PREREQUISITE_MISSING,
      `Java ${MIN_JAVA_MAJOR}+ is needed to run local Kafka clusters and '${java}' could not be run. ` +
      `Install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME.`, { cause: err });
  }
  const major = Number(/version "(?:1\.)?(\d+)/.exec(banner)?.[1]);
  if (!(major >= MIN_JAVA_MAJOR)) {
    throw new KmirrorError(ErrorCodes.PREREQUISITE_MISSING,
      `Java ${MIN_JAVA_MAJOR}+ is needed to run local Kafka clusters; '${java}' is ${banner.split('\n')[0]}. ` +
      `Install a newer one (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME.`);
  }
  return java;
}

async function findMaven(env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await run('mvn', ['-v'], { env });
  } catch (err) {
    throw new KmirrorError(ErrorCodes.PREREQUISITE_MISSING,
      `Maven is needed once, to fetch the pinned Kafka jars from Maven Central, and 'mvn' could not be run. ` +
      `Install it (Debian/Ubuntu: apt-get install maven).`, { cause: err });
  }
}
