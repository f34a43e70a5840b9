/**
 * CPU time and peak memory of a process tree, read from /proc (Linux only).
 *
 * CPU: utime + stime + cutime + cstime of every live process in the tree. A child that exited and
 * was waited for is then counted in its parent's cutime/cstime, so nothing is counted twice and
 * nothing that ran is lost (except a grandchild orphaned to init, which a replicator has no
 * reason to make). Threads (a JVM's GC and compiler threads, libuv / librdkafka threads) are part
 * of their process's figures.
 *
 * Memory: VmHWM (the kernel's peak resident set size) of each process, remembered per pid across
 * samples so a process that has exited still counts; the tree's figure is the sum of the per-pid
 * peaks, which overstates the true simultaneous peak when the processes peaked at different times.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export const CLOCK_TICKS: number = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface StatLine {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in seconds. */
  cpuSeconds: number;
  /** utime + stime (the process itself, without reaped children), in seconds. */
  ownSeconds: number;
}

function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
  const num = (field: number) => Number(fields[field - 3]);
  const ownSeconds = (num(14) + num(15)) / CLOCK_TICKS;
  return { pid, ppid: num(4), ownSeconds, cpuSeconds: ownSeconds + (num(16) + num(17)) / CLOCK_TICKS };
}

function readHwmKb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The pid and every live descendant of it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid);
    if (list) list.push(stat.pid);
    else children.set(stat.ppid, [stat.pid]);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export interface TreeSample {
  /** Seconds since the monitor was created. */
  readonly t: number;
  readonly cpuSeconds: number;
  /** Sum over every pid seen so far of its peak RSS, MiB. */
  readonly peakRssMiB: number;
  readonly processes: number;
}

/** Samples one process tree; `sample()` is cheap enough to call every 250 ms. */
export class TreeMonitor {
  private readonly hwmKb = new Map<number, number>();
  private readonly started = performance.now();
  /** Per-pid CPU seen last, so an exited child's time is not lost before its parent reaps it. */
  private readonly lastCpu = new Map<number, number>();

  constructor(readonly rootPid: number) {}

  sample(): TreeSample {
    const pids = this.rootPid > 0 ? processTree(this.rootPid) : [];
    let cpu = 0;
    const live = new Set<number>();
    for (const pid of pids) {
      const stat = readStat(pid);
      if (!stat) continue;
      live.add(pid);
      this.lastCpu.set(pid, stat.cpuSeconds);
      cpu += stat.cpuSeconds;
      const hwm = readHwmKb(pid);
      if (hwm !== undefined) this.hwmKb.set(pid, Math.max(hwm, this.hwmKb.get(pid) ?? 0));
    }
    // A root that has exited: keep its last figure rather than dropping to zero.
    if (!live.has(this.rootPid)) cpu = Math.max(cpu, this.lastCpu.get(this.rootPid) ?? 0);
    let kb = 0;
    for (const value of this.hwmKb.values()) kb += value;
    return {
      t: (performance.now() - this.started) / 1000,
      cpuSeconds: cpu,
      peakRssMiB: kb / 1024,
      processes: live.size,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Other people's processes: the machine is shared, and two cores leave no room for a test suite
// running next to the benchmark. These measure the CPU used outside the benchmark's process tree:
// the machine's busy time (user + nice + system in /proc/stat) minus the tree's own and the
// kernel threads'. Summing other processes' totals instead would be wrong: a shell that reaps a
// long build gets all of the build's CPU added to its cutime at once, inside whatever window
// happens to contain the exit.

export interface MachineSnapshot {
  readonly at: number;
  /** user + nice + system of all CPUs, seconds. */
  readonly busy: number;
  /** Time the hypervisor ran something else, seconds. */
  readonly steal: number;
  /** This process's tree (children reaped included), seconds. */
  readonly ours: number;
  /**
   * Kernel threads (writeback, ksoftirqd, ...), seconds: mostly work the benchmark's own I/O and
   * loopback traffic causes, so not counted as foreign.
   */
  readonly kernel: number;
  /** pid → own utime+stime of every other user-space process, to name the busiest. */
  readonly others: ReadonlyMap<number, number>;
}

function readOwnCpu(pid: number): { ppid: number; own: number; total: number } | undefined {
  const stat = readStat(pid);
  return stat && { ppid: stat.ppid, own: stat.ownSeconds, total: stat.cpuSeconds };
}

export function snapshotMachine(): MachineSnapshot {
  const cpuLine = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , , , steal = 0] = cpuLine;
  const tree = new Set(processTree(process.pid));
  let ours = 0;
  let kernel = 0;
  const others = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readOwnCpu(pid);
    if (!stat) continue;
    if (tree.has(pid)) ours += stat.total;
    else if (pid === 2 || stat.ppid === 2) kernel += stat.own;
    else others.set(pid, stat.own);
  }
  return {
    at: performance.now(), busy: (user + nice + system) / CLOCK_TICKS, steal: steal / CLOCK_TICKS, ours, kernel, others,
  };
}

export interface ForeignActivity {
  /** CPU seconds used outside the benchmark's tree and the kernel threads between the snapshots. */
  readonly cpuSeconds: number;
  /** The same as average cores. */
  readonly cores: number;
  readonly stealSeconds: number;
  /** The busiest other processes (their own utime+stime in the window). */
  readonly top: readonly { readonly pid: number; readonly seconds: number; readonly command: string }[];
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 120);
  } catch {
    return '?';
  }
}

export function foreignActivity(before: MachineSnapshot, after: MachineSnapshot): ForeignActivity {
  const wall = Math.max(0.001, (after.at - before.at) / 1000);
  const cpuSeconds = Math.max(0,
    (after.busy - before.busy) - (after.ours - before.ours) - (after.kernel - before.kernel));
  const used: { pid: number; seconds: number }[] = [];
  for (const [pid, cpu] of after.others) {
    const seconds = cpu - (before.others.get(pid) ?? 0);
    if (seconds > 0.005) used.push({ pid, seconds });
  }
  used.sort((a, b) => b.seconds - a.seconds);
  const r2 = (n: number) => Math.round(n * 100) / 100;
  return {
    cpuSeconds: r2(cpuSeconds),
    cores: r2(cpuSeconds / wall),
    stealSeconds: r2(after.steal - before.steal),
    top: used.slice(0, 3).map((u) => ({ pid: u.pid, seconds: r2(u.seconds), command: commandOf(u.pid) })),
  };
}

/**
 * Waits until processes outside the benchmark use at most `maxForeignCores` (sampled over 3 s),
 * giving up (and saying so) after `quietWaitSeconds`; reports what keeps the machine busy every 30 s.
 */
export async function waitForQuiet(options: { readonly maxForeignCores: number; readonly quietWaitSeconds: number },
  log: (line: string) => void): Promise<void> {
  const started = performance.now();
  let lastLog = -Infinity;
  for (;;) {
    const before = snapshotMachine();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const activity = foreignActivity(before, snapshotMachine());
    if (activity.cores <= options.maxForeignCores) return;
    const waited = (performance.now() - started) / 1000;
    if (waited > options.quietWaitSeconds) {
      log(`the machine is still busy after ${Math.round(waited)} s (${activity.cores} cores); going ahead`);
      return;
    }
    if (waited - lastLog >= 30) {
      lastLog = waited;
      log(`waiting for a quiet machine: other processes use ${activity.cores} cores ` +
        `(${activity.top.map((t) => t.command.slice(0, 80)).join('; ')})`);
    }
  }
}
