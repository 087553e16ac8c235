import { db } from "@proofboard/db";
import { PROBE_TIMEOUT_MS, within } from "./probes";
import { Counter, Gauge, renderMetrics, type MetricFamily } from "./prometheus";

/**
 * A worker process's own figures, kept in memory and served by its /metrics. Counters start at 0
 * when the worker starts (Prometheus' rate() expects exactly that).
 */
export const workerMetrics = {
  /** `workerMetrics.consoleBytes.inc({ kind: writer.kind }, bytes.length)` once a chunk is in Postgres */
  consoleBytes: new Counter(
    "proofboard_worker_console_bytes_total",
    "Console bytes this worker stored in Postgres, by console kind.",
    ["kind"],
  ),
  /** set by observeStreamPublish */
  streamLag: new Gauge(
    "proofboard_worker_stream_lag_seconds",
    "For the last chunk published: seconds from its bytes being gathered into a chunk to their arrival on the live Redis stream.",
  ),
  streamLagTotal: new Counter(
    "proofboard_worker_stream_lag_seconds_total",
    "Sum of every published chunk's lag; divided by proofboard_worker_stream_chunks_total it is the mean lag.",
  ),
  streamChunks: new Counter(
    "proofboard_worker_stream_chunks_total",
    "Console chunks this worker published on live Redis streams.",
  ),
  /** `workerMetrics.spoolBytes.set(used)` whenever the worker's spool budget is taken or given back */
  spoolBytes: new Gauge(
    "proofboard_worker_spool_bytes",
    "Console bytes waiting in this worker's disk spool for Postgres or Redis.",
  ),
};

workerMetrics.spoolBytes.set(0);

/** One chunk reached the live stream `lagSeconds` after its bytes were gathered. */
export function observeStreamPublish(lagSeconds: number): void {
  const lag = Math.max(0, lagSeconds);
  workerMetrics.streamLag.set(lag);
  workerMetrics.streamLagTotal.inc({}, lag);
  workerMetrics.streamChunks.inc();
}

/** Forgets every figure: tests that start a worker after another in one process. */
export function resetWorkerMetrics(): void {
  for (const m of Object.values(workerMetrics)) m.reset();
  workerMetrics.spoolBytes.set(0);
}

/** The in-memory figures plus this worker's heartbeat age, read from Postgres (the truth the reconciler uses). */
export async function workerMetricsFamilies(hostId: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<MetricFamily[]> {
  const host = await within(
    db().host.findUnique({ where: { id: hostId }, select: { name: true, lastHeartbeatAt: true } }),
    timeoutMs,
    "Postgres",
  ).catch(() => undefined);
  const heartbeat: MetricFamily = {
    name: "proofboard_worker_heartbeat_age_seconds",
    help: "Seconds since this worker's last heartbeat was written to Postgres; absent when Postgres did not answer.",
    type: "gauge",
    samples: host
      ? [{ labels: { host: host.name }, value: Math.max(0, (Date.now() - host.lastHeartbeatAt.getTime()) / 1000) }]
      : [],
  };
  return [
    {
      name: "proofboard_worker_postgres_up",
      help: "1 when Postgres answered during this scrape, else 0.",
      type: "gauge",
      samples: [{ value: host === undefined ? 0 : 1 }],
    },
    heartbeat,
    ...Object.values(workerMetrics).map((m) => m.family()),
  ];
}

export async function workerMetricsText(hostId: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string> {
  return renderMetrics(await workerMetricsFamilies(hostId, timeoutMs));
}
