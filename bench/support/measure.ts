import { readdirSync, readFileSync } from "node:fs";

/** Resident memory of a process group (a process and what it started), in MiB. */
export function groupRssMiB(pgid: number): number {
  let kib = 0;
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) continue;
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${e}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // the process ended while it was read
    }
  }
  return kib / 1024;
}

/** Samples a group's memory every 100 ms until stopped: the peak. */
export function peakRss(pgid: number): { stop: () => number } {
  let peak = groupRssMiB(pgid);
  const timer = setInterval(() => (peak = Math.max(peak, groupRssMiB(pgid))), 100);
  return { stop: () => (clearInterval(timer), Math.max(peak, groupRssMiB(pgid))) };
}

/** The q-quantile (0..1) of some figures, nearest rank; NaN for none. */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
