import path from "node:path";
import { Worker } from "bullmq";
import { env } from "@proofboard/env";
import {
  bullPrefix, CONTROL_QUEUE, controlQueue, createRedis, enqueueSync, scheduledLaneJob, subscribeRunControl, laneQueueName, redisOptions, runLaneJob, syncRepositoryJob,
} from "@proofboard/jobs";
import { db } from "@proofboard/db";
import {
  cancelRequested, defaultRepository, heartbeat, loadSiteOverlay, pendingOperations, reconcile, registerHost, runScheduledLane, syncRepository, syncSchedules, watchTransport,
} from "@proofboard/services";
import { hostClasses, measureHost, type ProbeRoots } from "./host";
import { runLane } from "./run-lane";
import { RunControl } from "./run-control";
import { Slots } from "./slots";
import { guestProvider } from "./guest";
import { killLeftoverVms } from "./leftovers";

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
  classes: string[];
  stop(): Promise<void>;
}

/** One worker per host: measures the host, then takes jobs only from queues it can serve. */
export async function startWorker(o: WorkerOptions = {}): Promise<RunningWorker> {
  const e = env();
  const log = o.log ?? ((l: string) => console.log(`[worker] ${l}`));
  // a bad site overlay stops start-up here, with its file:line, rather than failing every run later
  const overlay = await loadSiteOverlay();
  if (overlay) log(overlay);
  const capabilities = await measureHost(o.probeRoots);
  const classes = hostClasses(capabilities);
  const slotCount = o.slots ?? e.PROOFBOARD_WORKER_SLOTS;
  const name = o.hostName ?? e.PROOFBOARD_HOST_NAME;
  const host = await registerHost({ name, classes, capabilities, slots: slotCount });
  log(`host ${name}: serves ${classes.join(", ")}; ${slotCount} slots; qemu ${capabilities.qemuVersion ?? "absent"}`);

  const redis = createRedis();
  const shutdown = new AbortController();
  const slots = new Slots(slotCount);
  const control = new RunControl();
  const stopControl = await subscribeRunControl(createRedis(), (msg) => control.dispatch(msg));
  const guest = guestProvider(e.PROOFBOARD_GUEST_CACHE, log);
  const workDir = path.join(e.PROOFBOARD_DATA_DIR, "worker", name.replace(/[^A-Za-z0-9._-]/g, "_"));
  const leftovers = await killLeftoverVms(workDir);
  if (leftovers) log(`stopped ${leftovers} VM(s) a previous worker on this host left running`);
  const ctx = {
    hostId: host.id, hostName: name, capabilities, redis, signal: shutdown.signal, control, guest, workDir,
  };
  const common = { connection: redisOptions(), prefix: bullPrefix(), lockDuration: 30_000, stalledInterval: 15_000 };
  const workers = classes.map(
    (cls) =>
      new Worker(
        laneQueueName(cls),
        async (job) => {
          const { runId } = runLaneJob.payload.parse(job.data);
          await slots.acquire();
          try {
            const status = await runLane(runId, ctx);
            if (status) log(`run ${runId}: ${status}`);
          } finally {
            slots.release();
          }
        },
        { ...common, concurrency: slotCount },
      ),
  );

  const timers: NodeJS.Timeout[] = [];
  let stopTransport = () => undefined as void;
  // Pub/sub carries cancels at once; this catches any message that was lost on the way.
  const beat = async () => {
    await heartbeat(host.id, slots.inUse);
    for (const id of await cancelRequested(control.ids())) control.get(id)?.cancel();
    // Operations asked for while their start message was lost: Postgres has them.
    for (const op of await pendingOperations(control.ids())) control.dispatch({ type: "operation-start", runId: op.runId, operationId: op.id });
  };
  timers.push(setInterval(() => void beat().catch((err) => log(`heartbeat failed: ${err}`)), e.PROOFBOARD_HEARTBEAT_SECONDS * 1000));

  if (o.control ?? true) {
    workers.push(
      new Worker(
        CONTROL_QUEUE,
        async (job) => {
          if (job.name === scheduledLaneJob.name) {
            const { repositoryId, lane } = scheduledLaneJob.payload.parse(job.data);
            const queued = await runScheduledLane(repositoryId, lane);
            if (queued.length) log(`schedule: ${lane} queued ${queued.length} run(s)`);
            return;
          }
          if (job.name !== syncRepositoryJob.name) return;
          const { repositoryId } = syncRepositoryJob.payload.parse(job.data);
          const repo = await db().repository.findUniqueOrThrow({ where: { id: repositoryId } });
          const s = await syncRepository(repo);
          if (s.added.length || s.moved.length || s.deleted.length) {
            log(`sync ${repo.name}: +${s.added.length} moved ${s.moved.length} deleted ${s.deleted.length}`);
          }
          // lane_schedule follows main's catalog, so Redis can be given the schedules back from Postgres
          if (s.moved.some((b) => b === "main" || b === "master")) await syncSchedules(repo);
        },
        { ...common, concurrency: 1 },
      ),
    );
    const repo = await defaultRepository().catch(() => null);
    if (repo) {
      await controlQueue().upsertJobScheduler(
        `sync-${repo.id}`,
        { every: e.PROOFBOARD_SYNC_INTERVAL_SECONDS * 1000 },
        { name: syncRepositoryJob.name, data: { repositoryId: repo.id }, opts: syncRepositoryJob.options },
      );
      await enqueueSync(repo.id);
      const scheduled = await syncRepository(repo)
        .then(() => syncSchedules(repo))
        .catch((err: unknown) => [`schedules not set: ${String(err)}`]);
      if (scheduled.length) log(`schedules: ${scheduled.join(", ")}`);
    }
    const tick = () =>
      void reconcile(e.PROOFBOARD_HOST_TIMEOUT_SECONDS)
        .then((r) => {
          if (r.requeued.length) log(`reconciler: requeued ${r.requeued.join(", ")}`);
          if (r.lost.length) log(`reconciler: lost ${r.lost.join(", ")}; retried as ${r.retried.join(", ") || "nothing"}`);
        })
        .catch((err) => log(`reconciler failed: ${err}`));
    tick();
    timers.push(setInterval(tick, 10_000));
    // Redis is transport only: after it loses its data, schedulers and queued runs come back from Postgres.
    const transport = watchTransport({ syncEverySeconds: e.PROOFBOARD_SYNC_INTERVAL_SECONDS, log });
    stopTransport = () => transport.stop();
  }
  // BullMQ reports lost locks here (e.g. after Redis lost its data); Postgres holds the run's truth.
  for (const w of workers) w.on("error", (err) => log(`queue: ${err.message}`));

  return {
    hostId: host.id,
    classes,
    async stop() {
      timers.forEach(clearInterval);
      stopTransport();
      shutdown.abort();
      stopControl();
      await Promise.all(workers.map((w) => w.close()));
      redis.disconnect();
    },
  };
}
