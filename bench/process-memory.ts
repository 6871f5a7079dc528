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
   * CPU seconds (user + system) the tree used, as of the last sample that saw the root:
   * the root's own and its reaped children's (ffmpeg, once the worker has waited for it),
   * plus its live descendants'. Less noisy than wall time on a machine shared with other
   * work, which slows a render down but barely changes the work it does.
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

/** Linux reports /proc CPU times in clock ticks of 1/100 s (USER_HZ on every architecture Node runs on). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds of one process from /proc/<pid>/stat (utime + stime, and with `reaped` its
 * waited-for children's cutime + cstime too), or null if it is gone.
 */
export function processCpuSeconds(pid: number, reaped: boolean): number | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (!stat) return null;
  // Fields after the parenthesised name start at field 3 (state): utime is field 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const ticks = fields[11] + fields[12] + (reaped ? fields[13] + fields[14] : 0);
  return ticks / TICKS_PER_SECOND;
}

export function startPeakRssSampler(rootPid: number, intervalMs = 50): PeakRssSampler {
  const result: PeakRss = { peakBytes: 0, samples: 0, atPeak: [], peakByName: {}, cpuSeconds: 0 };
  const sample = () => {
    const members: PeakRss['atPeak'] = [];
    let cpuSeconds = 0;
    for (const pid of processTree(rootPid)) {
      const rss = processRss(pid);
      if (rss) members.push({ pid, ...rss });
      cpuSeconds += processCpuSeconds(pid, pid === rootPid) ?? 0;
    }
    if (!members.some((member) => member.pid === rootPid)) return;
    result.cpuSeconds = Math.max(result.cpuSeconds, cpuSeconds);
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
