import path from "node:path";
import { WaitingError, Worker } from "bullmq";
import { env } from "@proofboard/env";
import {
  bullPrefix,
  CONTROL_QUEUE,
  controlQueue,
  createRedis,
  enqueueSync,
  markAlive,
  subscribeRunControl,
  laneQueueName,
  redisOptions,
  runLaneJob,
  syncRepositoryJob,
  closeOrCut,
  withinRedisTimeout,
} from "@proofboard/jobs";
import {
  cancelRequested,
  checkHealth,
  defaultRepository,
  heartbeat,
  logger,
  releaseHost,
  workerMetricsText,
  loadSiteOverlay,
  markLostRuns,
  pendingOperations,
  quietRepeats,
  reconcile,
  registerHost,
  syncRepository,
  syncSchedules,
  watchTransport,
} from "@proofboard/services";
import { hostClasses, measureHost, type ProbeRoots } from "./host";
import { runLane } from "./run-lane";
import { RunControl } from "./run-control";
import { Slots } from "./slots";
import { guestProvider } from "./guest";
import { controlJobProcessor } from "./control-jobs";
import { startHealthServer } from "./health-server";
import { Ownership } from "./ownership/attempt";
import { replaySpools } from "./spool-replay";
import { onSpoolOwed, spoolOwed, workerSpoolBudget } from "./durable";
import { ownIdentity, stillRunsHere } from "./ownership/identity";
import { LaneSecrets } from "./lane-secrets";

export interface WorkerOptions {
  hostName?: string;
  slots?: number;
  probeRoots?: ProbeRoots;
  /** run the periodic sync scheduler and the reconciler (one per deployment is enough, more is harmless) */
  control?: boolean;
  log?: (line: string) => void;
}

export interface RunningWorker {
  hostId: string;
  instanceId: string;
  classes: string[];
  /** ends running lanes (handed back as lost and retried elsewhere) and leaves; `drainMs` first lets them finish */
  stop(o?: { drainMs?: number }): Promise<void>;
}

/** A host name's folder: readable, and distinct for names that differ only in characters a path cannot hold. */
function hostFolder(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, "_");
  return safe === name ? name : `${safe}-${Buffer.from(name).toString("hex").slice(0, 16)}`;
}

/** How long a stopping worker waits for Redis to let its queues close before it cuts them. */
const QUEUE_CLOSE_MS = 5000;
/**
 * How long reconcilers take a worker that owes PostgreSQL spooled writes for alive after its last
 * sign of life: time for its successor under the host name to store them (README: PostgreSQL away).
 */
const SPOOL_HANDOVER_MS = 120_000;

/** One worker per host: measures the host, then takes jobs only from queues it can serve. */
export async function startWorker(o: WorkerOptions = {}): Promise<RunningWorker> {
  const e = env();
  const name = o.hostName ?? e.PROOFBOARD_HOST_NAME;
  // Structured (JSON lines unless on a terminal) with the host on every line, run and attempt on a run's.
  const lines = logger("worker").child({ host: name });
  const log = o.log ?? ((l: string) => lines.info(l));
  const runLog = (run: { runId: string; attempt: number }, msg: string, fields: Record<string, unknown> = {}) =>
    o.log ? o.log(`run ${run.runId} (attempt ${run.attempt}): ${msg}`) : lines.child(run).info(msg, fields);
  // a bad site overlay stops start-up here, with its file:line, rather than failing every run later
  const overlay = await loadSiteOverlay();
  if (overlay) log(overlay);
  // Likewise a malformed or group-readable secrets file: with its file:line or the chmod to run.
  const secrets = await LaneSecrets.open(e.PROOFBOARD_LANE_SECRETS, log);
  if (e.PROOFBOARD_LANE_SECRETS) log((await secrets.current()).summary());
  const capabilities = await measureHost(o.probeRoots);
  const classes = hostClasses(capabilities);
  const slotCount = o.slots ?? e.PROOFBOARD_WORKER_SLOTS;
  const identity = await ownIdentity();
  const workDir = path.join(e.PROOFBOARD_DATA_DIR, "worker", hostFolder(name));
  // Identity first (a second live worker under this name is refused here), then what its dead
  // predecessor left running is ended, by the ledger it kept: exact ownership, nothing of anyone else's.
  const host = await registerHost({
    name,
    classes,
    capabilities,
    slots: slotCount,
    identity,
    stillRuns: stillRunsHere,
    hostTimeoutSeconds: e.PROOFBOARD_HOST_TIMEOUT_SECONDS,
    // What a predecessor stopped or killed while PostgreSQL was away still owed it, from its spool files.
    beforeOrphans: async () => {
      const redis = createRedis();
      try {
        for (const r of await replaySpools(path.join(workDir, "spool"), redis))
          runLog({ runId: r.runId, attempt: r.attempt }, `spool left by the previous worker: ${r.summary}`);
      } finally {
        redis.disconnect();
      }
    },
  });
  const { ownership, reaped } = await Ownership.start({ workDir, cgroupSetting: e.PROOFBOARD_CGROUP, log });
  await registerHost({
    name,
    classes,
    capabilities,
    slots: slotCount,
    identity,
    ownership: ownership.mode,
    stillRuns: stillRunsHere,
  });
  if (reaped) log(`ended ${reaped} process(es) a previous worker under this host name left running`);
  const health =
    e.PROOFBOARD_WORKER_HEALTH_PORT === undefined
      ? null
      : await startHealthServer({
          port: e.PROOFBOARD_WORKER_HEALTH_PORT,
          host: e.PROOFBOARD_WORKER_HEALTH_HOST,
          metrics: () => workerMetricsText(host.id),
          check: () => checkHealth({ hostId: host.id, hostTimeoutSeconds: e.PROOFBOARD_HOST_TIMEOUT_SECONDS }),
        });
  if (health) log(`health: ${health.url}/health, metrics: ${health.url}/metrics`);
  log(
    `host ${name} (worker ${identity.instanceId}, pid ${identity.pid}): serves ${classes.join(", ")}; ${slotCount} slots; qemu ${capabilities.qemuVersion ?? "absent"}; owns attempts by ${ownership.mode}`,
  );

  const redis = createRedis();
  const shutdown = new AbortController();
  const slots = new Slots(slotCount);
  const control = new RunControl();
  const stopControl = await subscribeRunControl(createRedis(), (msg) => control.dispatch(msg));
  const guest = guestProvider(e.PROOFBOARD_GUEST_CACHE, log);
  const ctx = {
    hostId: host.id,
    hostName: name,
    capabilities,
    redis,
    signal: shutdown.signal,
    control,
    guest,
    workDir,
    ownership,
    runLog,
    secrets,
  };
  // Our part of each lane (its end or its hand-back, written to Postgres); what BullMQ does after it needs Redis.
  const lanes = new Set<Promise<unknown>>();
  const common = { connection: redisOptions(), prefix: bullPrefix(), lockDuration: 30_000, stalledInterval: 15_000 };
  const workers = classes.map(
    (cls) =>
      new Worker(
        laneQueueName(cls),
        async (job, token) => {
          if (job.name !== runLaneJob.name)
            throw new Error(
              `unknown job "${job.name}" on ${laneQueueName(cls)}: lane queues carry only ${runLaneJob.name}`,
            );
          const { runId } = runLaneJob.payload.parse(job.data);
          if (!(await slots.acquire())) {
            // Fetched while the other slots were busy, and this worker is stopping: another worker takes it.
            await job.moveToWait(token);
            throw new WaitingError();
          }
          const lane = runLane(runId, ctx);
          lanes.add(lane);
          try {
            await lane;
          } finally {
            lanes.delete(lane);
            slots.release();
          }
        },
        { ...common, concurrency: slotCount },
      ),
  );

  const timers: NodeJS.Timeout[] = [];
  let stopTransport = () => undefined as void;
  // Pub/sub carries cancels at once; this catches any message that was lost on the way.
  let aliveInFlight = false;
  // A run that starts to owe PostgreSQL spooled writes lengthens the sign of life at once: the
  // worker may die before its next heartbeat.
  const spooled = () => workerSpoolBudget().bytes;
  const stopOwing = onSpoolOwed(
    () => void markAlive(redis, host.id, SPOOL_HANDOVER_MS, spooled()).catch(() => undefined),
  );
  const beat = async () => {
    // Redis and Postgres each on their own: a worker cut off from either still shows it is alive on
    // the other (a command to a Redis that is down waits for it to come back; the heartbeat must not).
    if (!aliveInFlight) {
      aliveInFlight = true;
      const owed = spoolOwed();
      void markAlive(redis, host.id, owed ? SPOOL_HANDOVER_MS : e.PROOFBOARD_HOST_TIMEOUT_SECONDS * 1000, spooled())
        .catch(() => undefined)
        .finally(() => (aliveInFlight = false));
    }
    if (!(await heartbeat(host.id, slots.inUse, identity.instanceId))) {
      log(`host name ${name} was taken over by another worker (this one was taken for dead): stopping`);
      void running.stop();
      return;
    }
    for (const id of await cancelRequested(control.ids())) control.get(id)?.cancel();
    // Operations asked for while their start message was lost: Postgres has them.
    for (const op of await pendingOperations(control.ids()))
      control.dispatch({ type: "operation-start", runId: op.runId, operationId: op.id });
  };
  timers.push(
    setInterval(
      () => void beat().catch((err) => log(`heartbeat failed: ${err}`)),
      e.PROOFBOARD_HEARTBEAT_SECONDS * 1000,
    ),
  );

  if (o.control ?? true) {
    workers.push(new Worker(CONTROL_QUEUE, controlJobProcessor(log), { ...common, concurrency: 1 }));
    const repo = await defaultRepository().catch(() => null);
    if (repo) {
      const scheduleSync = async () => {
        await controlQueue().upsertJobScheduler(
          `sync-${repo.id}`,
          { every: e.PROOFBOARD_SYNC_INTERVAL_SECONDS * 1000 },
          { name: syncRepositoryJob.name, data: { repositoryId: repo.id }, opts: syncRepositoryJob.options },
        );
        await enqueueSync(repo.id);
      };
      // The lane queues already run: a Redis that goes away now must not end a worker whose lane
      // has started (it would stop its heartbeat too). The schedule is set once Redis answers.
      await scheduleSync().catch((err: Error) => {
        log(`sync schedule not set (${err.message}): tried again every 5 s until Redis answers`);
        const retry = setInterval(
          () =>
            void scheduleSync().then(
              () => (clearInterval(retry), log("sync schedule set")),
              () => undefined,
            ),
          5000,
        );
        timers.push(retry);
      });
      const scheduled = await syncRepository(repo)
        .then(() => syncSchedules(repo))
        .catch((err: unknown) => [`schedules not set: ${String(err)}`]);
      if (scheduled.length) log(`schedules: ${scheduled.join(", ")}`);
    }
    const tick = () =>
      void reconcile(e.PROOFBOARD_HOST_TIMEOUT_SECONDS)
        .then((r) => {
          if (r.requeued.length) log(`reconciler: requeued ${r.requeued.join(", ")}`);
          if (r.lost.length)
            log(`reconciler: lost ${r.lost.join(", ")}; retried as ${r.retried.join(", ") || "nothing"}`);
        })
        .catch((err) => log(`reconciler failed: ${err}`));
    tick();
    timers.push(setInterval(tick, 10_000));
    // A dead worker's runs are lost and retried within the host timeout plus this tick.
    const lostTick = () =>
      void markLostRuns(e.PROOFBOARD_HOST_TIMEOUT_SECONDS)
        .then(
          (r) =>
            r.lost.length &&
            log(`reconciler: lost ${r.lost.join(", ")}; retried as ${r.retried.join(", ") || "nothing"}`),
        )
        .catch((err) => log(`reconciler failed: ${err}`));
    timers.push(setInterval(lostTick, 2000));
    // Redis is transport only: after it loses its data, schedulers and queued runs come back from Postgres.
    const transport = watchTransport({ syncEverySeconds: e.PROOFBOARD_SYNC_INTERVAL_SECONDS, log });
    stopTransport = () => transport.stop();
  }
  // BullMQ reports lost locks here (e.g. after Redis lost its data); Postgres holds the run's truth.
  // Repeated while Redis is down (every reconnect): once, then once per 30 s with a count.
  const queueError = o.log ? o.log : quietRepeats(lines, "warn");
  for (const w of workers) w.on("error", (err) => queueError(`queue: ${err.message}`));

  let stopped: Promise<void> | null = null;
  const running: RunningWorker = {
    hostId: host.id,
    instanceId: identity.instanceId,
    classes,
    stop(o = {}) {
      stopped ??= (async () => {
        // No new jobs, none of those waiting for a slot starts (they go back to the queue); running
        // lanes may finish within the drain time, then they are handed back.
        slots.close();
        const closing = Promise.all(workers.map((w) => w.close()));
        if (o.drainMs) await Promise.race([closing, new Promise((r) => setTimeout(r, o.drainMs))]);
        shutdown.abort();
        // Every lane is stopped and handed back in Postgres once its runLane ends. Completing the jobs
        // and closing the connections need Redis: when it is down that waits forever, so it is given
        // QUEUE_CLOSE_MS and then cut (the reconciler rebuilds the jobs from Postgres).
        await Promise.allSettled([...lanes]);
        const cut = () => Promise.allSettled(workers.map((w) => w.disconnect()));
        if (!(await closeOrCut(closing, cut, QUEUE_CLOSE_MS, "closing the queues")))
          log(`queues: Redis did not let them close within ${QUEUE_CLOSE_MS / 1000} s; cut them`);
        timers.forEach(clearInterval);
        await health?.close();
        stopTransport();
        stopControl();
        stopOwing();
        await ownership.close();
        await releaseHost(host.id, identity.instanceId).catch(() => undefined);
        // Writes given up with PostgreSQL away wait in spool files for the next worker under this name.
        if (spoolOwed())
          await withinRedisTimeout(markAlive(redis, host.id, SPOOL_HANDOVER_MS, spooled()), 2000, "alive key").catch(
            () => undefined,
          );
        redis.disconnect();
      })();
      return stopped;
    },
  };
  return running;
}
