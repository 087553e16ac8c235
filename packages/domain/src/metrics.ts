/**
 * Benchmark lanes report numbers with one line each on their output:
 *   PROOFBOARD_METRIC <name>=<value> [<unit>]
 * e.g. `PROOFBOARD_METRIC write_throughput=412.5 MB/s`. Pure: lines in, metrics out.
 */
export interface Metric {
  name: string;
  value: number;
  unit: string;
}

const LINE =
  /^PROOFBOARD_METRIC ([a-z0-9][a-z0-9._-]{0,63})=(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?: +([^\x00-\x1f]{1,32}))?\s*$/i;

export function parseMetricLine(line: string): Metric | null {
  const m = LINE.exec(line.replace(/\r$/, ""));
  if (!m) return null;
  const value = Number(m[2]);
  if (!Number.isFinite(value)) return null;
  return { name: m[1]!.toLowerCase(), value, unit: (m[3] ?? "").trim() };
}

/** Durations, latencies and error counts get better as they fall; throughputs and rates as they rise. */
export function lowerIsBetter(unit: string, name = ""): boolean {
  return (
    /^(ns|us|µs|ms|s|sec|seconds|min|errors?|retries|%)$/i.test(unit.trim()) ||
    /latency|duration|time|errors?$/i.test(name)
  );
}

/** How far a value may move the wrong way from the recent median before it counts as a regression. */
export const REGRESSION_TOLERANCE = 0.1;

/**
 * Whether the newest value regressed against the median of up to five before it, in the metric's
 * direction; null while there is nothing to compare with.
 */
export function isRegression(values: number[], unit: string, name = ""): boolean | null {
  if (values.length < 2) return null;
  const latest = values[values.length - 1]!;
  const before = values.slice(-6, -1).sort((a, b) => a - b);
  const median = before[Math.floor(before.length / 2)]!;
  if (median === 0) return null;
  return lowerIsBetter(unit, name)
    ? latest > median * (1 + REGRESSION_TOLERANCE)
    : latest < median * (1 - REGRESSION_TOLERANCE);
}
