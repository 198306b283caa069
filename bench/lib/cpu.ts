/**
 * How much CPU other processes on this machine used while an op ran ("foreign" load): the machine is
 * shared (other sessions' test runs), and a benchmark run next to them measures them too. Linux only.
 */
import { readFileSync } from "node:fs";
import { descendsFrom, procTable } from "./procs.ts";

export interface CpuSnap {
  t: number;
  /** Busy jiffies of the whole machine (all cores). */
  busy: number;
  /** Jiffies used by this process and its descendants (our children, nats-server, Chromium). */
  ours: number;
}

const HZ = 100;

function machineBusy(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return f.slice(0, 8).reduce((a, b) => a + b, 0) - idle;
}

function treeJiffies(root: number): number {
  const table = procTable();
  let sum = 0;
  for (const p of table.values()) if (descendsFrom(table, p.pid, root)) sum += p.jiffies;
  return sum;
}

export function cpuSnap(): CpuSnap {
  try {
    return { t: Date.now(), busy: machineBusy(), ours: treeJiffies(process.pid) };
  } catch {
    return { t: Date.now(), busy: 0, ours: 0 };
  }
}

/**
 * Cores used by processes not ours between two snapshots (our tree's sum includes the time of reaped
 * children through cutime/cstime).
 */
export function foreignCores(a: CpuSnap, b: CpuSnap): number {
  const secs = (b.t - a.t) / 1000;
  if (secs <= 0) return 0;
  const foreign = b.busy - a.busy - Math.max(0, b.ours - a.ours);
  return Math.max(0, foreign / HZ / secs);
}

/** Waits (up to maxMs) until other processes use less than `cores` cores over a 1 s window. */
export async function waitQuiet(cores: number, maxMs: number): Promise<number> {
  const end = Date.now() + maxMs;
  for (;;) {
    const a = cpuSnap();
    await new Promise((r) => setTimeout(r, 1000));
    const f = foreignCores(a, cpuSnap());
    if (f < cores || Date.now() > end) return f;
  }
}
