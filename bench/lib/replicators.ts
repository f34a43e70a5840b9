/**
 * A replicator under test: something that reads an mm2.properties file, runs as a child process
 * until SIGTERM, and copies source → target meanwhile. Two implementations: Apache MirrorMaker 2
 * in dedicated mode (the real `connect-mirror-maker` entry point) and kmirror's `run` command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureKafkaDistribution } from '../../src/local-kafka/distribution.js';
import { packageRoot } from '../../src/paths.js';
import { processTree } from './proc.js';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StopResult extends ExitInfo {
  /** From SIGTERM until the process exited. */
  readonly seconds: number;
  /** It did not exit within the grace period and was killed. */
  readonly killed: boolean;
}

export interface ReplicatorProcess {
  readonly pid: number;
  /** Where its output goes (stdout, stderr and, for MM2, log4j). */
  readonly logFile: string;
  /** The full command line, for the record. */
  readonly command: readonly string[];
  readonly exited: Promise<ExitInfo>;
  running(): boolean;
  /** SIGTERM, then SIGKILL (of the whole tree) after `graceMs`. */
  stop(graceMs?: number): Promise<StopResult>;
  /** The last lines of its log, for error messages. */
  tail(lines?: number): Promise<string[]>;
}

export interface Replicator {
  readonly name: string;
  /** Starts the replicator on an mm2.properties file; `dir` is a folder for its logs. */
  start(mm2PropertiesPath: string, dir: string): Promise<ReplicatorProcess>;
  /** Versions and settings worth recording with the figures. */
  describe(): Promise<Record<string, unknown>>;
}

class ChildReplicatorProcess implements ReplicatorProcess {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  /**
   * @param outputFile where stdout/stderr go
   * @param logFile the replicator's main log: `outputFile`, or a file its logging framework writes
   */
  constructor(private readonly child: ChildProcess, private readonly outputFile: string, readonly logFile: string,
    readonly command: readonly string[]) {
    if (child.pid === undefined) throw new Error(`could not start ${command[0]}`);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  running(): boolean {
    return this.exitInfo === undefined;
  }

  async stop(graceMs = 60_000): Promise<StopResult> {
    const started = performance.now();
    if (!this.running()) return { ...this.exitInfo!, seconds: 0, killed: false };
    this.child.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      for (const pid of processTree(this.pid).reverse()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return { ...info, seconds: (performance.now() - started) / 1000, killed };
  }

  async tail(lines = 20): Promise<string[]> {
    const main = await tailOf(this.logFile, lines);
    if (this.outputFile === this.logFile) return main;
    const output = await tailOf(this.outputFile, lines);
    return [...main, ...(output.length > 0 ? [`--- ${this.outputFile} ---`, ...output] : [])];
  }
}

function spawnLogged(command: string, args: string[], outputFile: string, cwd: string,
  logFile = outputFile): ChildReplicatorProcess {
  const out = createWriteStream(outputFile, { flags: 'a' });
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  child.once('exit', () => setImmediate(() => out.end()));
  child.once('error', (err) => out.write(`spawn error: ${err.message}\n`));
  return new ChildReplicatorProcess(child, outputFile, logFile, [command, ...args]);
}

export interface Mm2Options {
  /** -Xmx in MiB (-Xms is 256 MiB, as connect-mirror-maker.sh does). */
  readonly heapMb: number;
}

/**
 * Apache MirrorMaker 2, dedicated mode: what bin/connect-mirror-maker.sh runs, i.e.
 * `kafka-run-class.sh org.apache.kafka.connect.mirror.MirrorMaker mm2.properties` with the same
 * JVM performance flags as kafka-run-class.sh (G1, MaxGCPauseMillis=20, IHOP 35, ...). The heap
 * is -Xms256m -Xmx<heapMb>m (the script's default is -Xmx2G). log4j2 writes to mm2.log.
 */
export class Mm2Replicator implements Replicator {
  readonly name = 'mm2';

  constructor(private readonly options: Mm2Options) {}

  async start(mm2PropertiesPath: string, dir: string): Promise<ReplicatorProcess> {
    const dist = await ensureKafkaDistribution();
    const logFile = join(dir, 'mm2.log');
    const log4j = join(dir, 'mm2-log4j2.properties');
    await writeFile(log4j, [
      'status = warn',
      'appender.file.type = File',
      'appender.file.name = FILE',
      `appender.file.fileName = ${logFile}`,
      'appender.file.layout.type = PatternLayout',
      'appender.file.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.file.ref = FILE',
      '',
    ].join('\n'));
    const args = [
      '-Xms256m', `-Xmx${this.options.heapMb}m`,
      '-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
      '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15', '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp', dist.classpath,
      'org.apache.kafka.connect.mirror.MirrorMaker', mm2PropertiesPath,
    ];
    // stdout/stderr (JVM warnings, anything printed before log4j is up) go to a file of their own.
    return spawnLogged(dist.java, args, join(dir, 'mm2.stdout.log'), dir, logFile);
  }

  async describe(): Promise<Record<string, unknown>> {
    const dist = await ensureKafkaDistribution();
    return {
      kafkaVersion: dist.version,
      mainClass: 'org.apache.kafka.connect.mirror.MirrorMaker',
      jvmHeap: `-Xms256m -Xmx${this.options.heapMb}m`,
      jvmFlags: '-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15',
    };
  }
}

export type KmirrorEntry = 'dist' | 'src';

/**
 * kmirror: `node dist/cli/main.js run <mm2.properties>` (after `npm run build`), or straight from
 * the TypeScript sources with `node --import tsx src/cli/main.ts run <file>` (one process, no npx
 * wrapper, so the process tree is kmirror alone; tsx's compile time is then in the figures).
 */
export class KmirrorReplicator implements Replicator {
  readonly name = 'kmirror';

  constructor(private readonly entry: KmirrorEntry) {}

  private command(): { args: string[]; entry: KmirrorEntry } {
    const dist = join(packageRoot, 'dist', 'cli', 'main.js');
    if (this.entry === 'dist') {
      if (!existsSync(dist)) {
        throw new Error(`${dist} does not exist: run 'npm run build' first, or pass --kmirror-entry src`);
      }
      return { args: [dist], entry: 'dist' };
    }
    return { args: ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts')], entry: 'src' };
  }

  async start(mm2PropertiesPath: string, dir: string): Promise<ReplicatorProcess> {
    const { args } = this.command();
    return spawnLogged(process.execPath, [...args, 'run', mm2PropertiesPath], join(dir, 'kmirror.log'), dir);
  }

  async describe(): Promise<Record<string, unknown>> {
    const { args, entry } = this.command();
    let version = 'unknown';
    try {
      version = (JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // keep unknown
    }
    return { entry, command: `node ${args.join(' ')} run <mm2.properties>`, packageVersion: version };
  }
}

export function createReplicator(name: string, options: { mm2HeapMb: number; kmirrorEntry: KmirrorEntry }): Replicator {
  switch (name) {
    case 'mm2':
      return new Mm2Replicator({ heapMb: options.mm2HeapMb });
    case 'kmirror':
      return new KmirrorReplicator(options.kmirrorEntry);
    default:
      throw new Error(`unknown replicator '${name}' (known: mm2, kmirror)`);
  }
}

async function tailOf(file: string, lines: number): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}
