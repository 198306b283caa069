/**
 * The process table (Linux /proc) as the benchmark needs it: which processes descend from ours (nats-server,
 * Node tasks, browsers and their helpers), their CPU time and their resident memory.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface Proc {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in jiffies. */
  jiffies: number;
}

/** Every process readable now. */
export function procTable(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(d), {
        pid: Number(d), ppid: Number(rest[1]),
        jiffies: Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]),
      });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** True when `pid` is `root` or descends from it (within 16 generations). */
export function descendsFrom(table: Map<number, Proc>, pid: number, root: number): boolean {
  for (let p: number | undefined = pid, n = 0; p && n < 16; p = table.get(p)?.ppid, n++) if (p === root) return true;
  return false;
}

/** Pids descending from `root` (not `root` itself), leaving out the subtrees of `except`. */
export function descendants(root: number, except: readonly number[] = [], table = procTable()): number[] {
  const out: number[] = [];
  for (const pid of table.keys()) {
    if (pid === root || !descendsFrom(table, pid, root)) continue;
    if (except.some((x) => x > 0 && descendsFrom(table, pid, x))) continue;
    out.push(pid);
  }
  return out;
}

/** A `/proc/PID/status` field in bytes (`VmRSS`, `VmHWM`, …). */
export function statusBytes(pid: number | "self", field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The command line of a process, arguments joined by spaces ("" when gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** Summed RSS of the given processes. */
export const rssOf = (pids: readonly number[]): number => pids.reduce((s, p) => s + (statusBytes(p, "VmRSS") ?? 0), 0);
