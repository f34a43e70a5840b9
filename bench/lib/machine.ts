import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { librdkafkaVersion } from '../../src/kafka/rdkafka.js';

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return '';
  }
}

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly lscpu: string[];
  readonly memTotalGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly java: string;
  readonly librdkafka: string;
}

export function machineInfo(): MachineInfo {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  // The java that runs the brokers and MM2 ($JAVA_HOME/bin/java, else java on PATH).
  const java = run('sh', ['-c', '"${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1']) || 'unknown';
  return {
    nproc: Number(run('nproc', [])) || cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    lscpu: run('lscpu', []).split('\n').slice(0, 12).map((l) => l.replace(/\s+/g, ' ')),
    memTotalGiB: Math.round((memKb / 1024 / 1024) * 10) / 10,
    kernel: release(),
    node: process.version,
    java,
    librdkafka: librdkafkaVersion,
  };
}
