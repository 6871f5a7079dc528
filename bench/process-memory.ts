/**
 * Peak resident memory of a process tree (Linux /proc only), for the render benchmark.
 *
 * Every interval the sampler finds the root process and all its descendants, reads each
 * one's VmRSS from /proc/<pid>/status and sums them; the largest sum seen is the peak.
 * Descendants come from /proc/<pid>/task/<tid>/children where the kernel provides it,
 * otherwise from the parent pid in every /proc/<pid>/stat. Processes routinely exit
 * between being listed and being read (ffmpeg at the end of a render): such a process
 * simply counts as gone for that sample.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface PeakRss {
  /** Largest summed VmRSS of the tree seen in one sample, in bytes. */
  peakBytes: number;
  /** Samples in which the root process was still alive. */
  samples: number;
  /** The processes that made up the peak sample: pid, command name and VmRSS in bytes. */
  atPeak: { pid: number; name: string; rssBytes: number }[];
  /** Largest VmRSS seen per command name (any sample), in bytes. */
  peakByName: Record<string, number>;
  /**
   * CPU time (user + system, all threads) of the tree, in seconds: the last reading of each
   * process summed. On a shared machine it is steadier than wall time, which depends on
   * how much of the CPU the others leave.
   */
  cpuSeconds: number;
}

export interface PeakRssSampler {
  /** Takes a last sample, stops sampling and returns the figures. */
  stop(): PeakRss;
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null; // The process (or thread) exited meanwhile.
  }
}

const childrenFilesSupported = readOrNull(`/proc/${process.pid}/task/${process.pid}/children`) !== null;

function childrenViaTasks(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of tasks) {
    const text = readOrNull(`/proc/${pid}/task/${tid}/children`);
    if (text) for (const child of text.trim().split(/\s+/)) if (child) children.push(Number(child));
  }
  return children;
}

/** Map from parent pid to child pids, built from every /proc/<pid>/stat. */
function parentMap(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOrNull(`/proc/${entry}/stat`);
    if (!stat) continue;
    // The command name is parenthesised and may contain spaces or ')'; fields follow the last ')'.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = byParent.get(parent) ?? [];
    list.push(Number(entry));
    byParent.set(parent, list);
  }
  return byParent;
}

/** The root pid and all its descendants that exist right now. */
export function processTree(rootPid: number): number[] {
  const byParent = childrenFilesSupported ? null : parentMap();
  const tree: number[] = [];
  const queue = [rootPid];
  const seen = new Set<number>();
  while (queue.length) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    tree.push(pid);
    queue.push(...(byParent ? (byParent.get(pid) ?? []) : childrenViaTasks(pid)));
  }
  return tree;
}

/** VmRSS and command name of one process, or null if it is gone (or a zombie with no memory). */
export function processRss(pid: number): { name: string; rssBytes: number } | null {
  const status = readOrNull(`/proc/${pid}/status`);
  if (!status) return null;
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!rss) return null;
  const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?';
  return { name, rssBytes: Number(rss[1]) * 1024 };
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

/** User + system CPU seconds of one process (all its threads), or null if it is gone. */
export function processCpuSeconds(pid: number): number | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (!stat) return null;
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export function startPeakRssSampler(rootPid: number, intervalMs = 50): PeakRssSampler {
  const result: PeakRss = { peakBytes: 0, samples: 0, atPeak: [], peakByName: {}, cpuSeconds: 0 };
  const cpuByPid = new Map<number, number>();
  const sample = () => {
    const members: PeakRss['atPeak'] = [];
    for (const pid of processTree(rootPid)) {
      const rss = processRss(pid);
      if (rss) members.push({ pid, ...rss });
      const cpu = processCpuSeconds(pid);
      if (cpu !== null) cpuByPid.set(pid, Math.max(cpu, cpuByPid.get(pid) ?? 0));
    }
    result.cpuSeconds = [...cpuByPid.values()].reduce((sum, seconds) => sum + seconds, 0);
    if (!members.some((member) => member.pid === rootPid)) return;
    result.samples++;
    for (const member of members) result.peakByName[member.name] = Math.max(result.peakByName[member.name] ?? 0, member.rssBytes);
    const total = members.reduce((sum, member) => sum + member.rssBytes, 0);
    if (total > result.peakBytes) {
      result.peakBytes = total;
      result.atPeak = members;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return result;
    },
  };
}
