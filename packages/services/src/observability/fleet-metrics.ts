import { HOST_CLASSES, isTerminal, RUN_STATUSES } from "@proofboard/domain";
import { db, Prisma } from "@proofboard/db";
import { laneQueue, withinRedisTimeout } from "@proofboard/jobs";
import { PROBE_TIMEOUT_MS, within } from "./probes";
import { renderMetrics, type MetricFamily, type Sample } from "./prometheus";

/** BullMQ job states counted per lane queue; finished jobs are kept for the record and are not depth. */
const QUEUE_STATES = ["waiting", "prioritized", "delayed", "active"] as const;
const OPEN_STATES = RUN_STATUSES.filter((s) => !isTerminal(s));
const ENDED_STATES = RUN_STATUSES.filter(isTerminal);
const RECENT_HOURS = 24;

/**
 * States as SQL literals, not parameters: a parameter cast to the enum hides the values from the
 * planner, which then scans the whole table. They are RUN_STATUSES words, never input.
 */
function stateLiterals(states: readonly string[]): Prisma.Sql {
  for (const s of states) if (!/^[a-z_]+$/.test(s)) throw new Error(`not a run state: ${JSON.stringify(s)}`);
  return Prisma.raw(states.map((s) => `'${s}'`).join(", "));
}

async function queueDepth(timeoutMs: number): Promise<Sample[]> {
  const perClass = await Promise.all(
    HOST_CLASSES.map(async (hostClass) => {
      const queue = laneQueue(hostClass);
      const counts = await withinRedisTimeout(
        queue.waitUntilReady().then(() => queue.getJobCounts(...QUEUE_STATES)),
        timeoutMs,
        `queue ${queue.name}`,
      );
      return QUEUE_STATES.map((state) => ({ labels: { host_class: hostClass, state }, value: counts[state] ?? 0 }));
    }),
  );
  return perClass.flat();
}

/** Open runs are few whatever the table's size: counted exactly through run_status_idx. */
async function openRuns(): Promise<Sample[]> {
  const rows = await db().$queryRaw<{ state: string; n: bigint }[]>`
    SELECT status::text AS state, count(*) AS n FROM run WHERE status IN (${stateLiterals(OPEN_STATES)}) GROUP BY status`;
  const by = new Map(rows.map((r) => [r.state, Number(r.n)]));
  return OPEN_STATES.map((state) => ({ labels: { state }, value: by.get(state) ?? 0 }));
}

/**
 * Counting every ended run would read a million rows; those queued in the last 24 hours are one
 * index-only range of run_repository_id_status_queued_at_idx per repository (about 2 ms for
 * 3,000 runs a day).
 */
async function recentlyEndedRuns(): Promise<Sample[]> {
  const since = new Date(Date.now() - RECENT_HOURS * 3600 * 1000);
  const repositories = await db().repository.findMany({ select: { id: true } });
  const by = new Map<string, number>();
  for (const repo of repositories) {
    const rows = await db().$queryRaw<{ state: string; n: bigint }[]>`
      SELECT status::text AS state, count(*) AS n FROM run
      WHERE repository_id = ${repo.id} AND status IN (${stateLiterals(ENDED_STATES)})
        AND queued_at >= ${since}
      GROUP BY status`;
    for (const r of rows) by.set(r.state, (by.get(r.state) ?? 0) + Number(r.n));
  }
  return ENDED_STATES.map((state) => ({ labels: { state }, value: by.get(state) ?? 0 }));
}

async function heartbeatAges(): Promise<Sample[]> {
  const hosts = await db().host.findMany({ select: { name: true, lastHeartbeatAt: true }, orderBy: { name: "asc" } });
  const now = Date.now();
  return hosts.map((h) => ({
    labels: { host: h.name },
    value: Math.max(0, (now - h.lastHeartbeatAt.getTime()) / 1000),
  }));
}

/** Runs a collector, bounded; a dependency that fails or hangs costs its own families, never the whole scrape. */
async function attempt(collect: () => Promise<Sample[]>, timeoutMs: number): Promise<Sample[] | null> {
  return within(collect(), timeoutMs, "collector").catch(() => null);
}

/**
 * The deployment's state, computed on each scrape of /api/metrics: queue depth per host class,
 * runs by state, each host's heartbeat age, and whether Postgres and Redis answered.
 */
export async function fleetMetrics(timeoutMs = PROBE_TIMEOUT_MS): Promise<MetricFamily[]> {
  const [queue, open, ended, ages] = await Promise.all([
    attempt(() => queueDepth(timeoutMs), timeoutMs),
    attempt(openRuns, timeoutMs),
    attempt(recentlyEndedRuns, timeoutMs),
    attempt(heartbeatAges, timeoutMs),
  ]);
  const postgresUp = open !== null && ended !== null && ages !== null;
  return [
    {
      name: "proofboard_up",
      help: "1 when the dependency answered during this scrape, else 0.",
      type: "gauge",
      samples: [
        { labels: { dependency: "postgres" }, value: postgresUp ? 1 : 0 },
        { labels: { dependency: "redis" }, value: queue ? 1 : 0 },
      ],
    },
    {
      name: "proofboard_queue_jobs",
      help: "BullMQ jobs in each host class's lane queue, by job state.",
      type: "gauge",
      samples: queue ?? [],
    },
    {
      name: "proofboard_runs",
      help: "Runs not ended yet (waiting, queued, running), counted exactly.",
      type: "gauge",
      samples: open ?? [],
    },
    {
      name: "proofboard_runs_ended_24h",
      help: `Runs queued in the last ${RECENT_HOURS} hours that have ended, by final state.`,
      type: "gauge",
      samples: ended ?? [],
    },
    {
      name: "proofboard_host_heartbeat_age_seconds",
      help: "Seconds since each host's last heartbeat (host.last_heartbeat_at).",
      type: "gauge",
      samples: ages ?? [],
    },
  ];
}

export async function fleetMetricsText(timeoutMs = PROBE_TIMEOUT_MS): Promise<string> {
  return renderMetrics(await fleetMetrics(timeoutMs));
}
