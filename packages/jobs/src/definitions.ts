import { HOST_CLASSES, type HostClass } from "@proofboard/domain";
import { Queue, type JobsOptions } from "bullmq";
import { z } from "zod";
import { logger, quietRepeats } from "@proofboard/log";
import { closeOrCut, keyPrefix, queueRedisOptions, withinRedisTimeout } from "./redis";

/**
 * Every job Proofboard enqueues, shared by producer and worker. Payloads carry ids only:
 * the Postgres row is the truth and processors re-read it.
 */
export const runLaneJob = {
  name: "run-lane",
  payload: z.object({ runId: z.string().uuid() }),
  /** Retries are Proofboard's decision (only infrastructure faults retry), not BullMQ's. */
  options: {
    attempts: 1,
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 24 * 3600 },
  } satisfies JobsOptions,
} as const;
export type RunLanePayload = z.infer<typeof runLaneJob.payload>;

export const syncRepositoryJob = {
  name: "sync-repository",
  payload: z.object({ repositoryId: z.string().min(1) }),
  options: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } satisfies JobsOptions,
} as const;
export type SyncRepositoryPayload = z.infer<typeof syncRepositoryJob.payload>;

/** A lane's own schedule (`triggers.schedule` in the catalog), one BullMQ job scheduler per lane. */
export const scheduledLaneJob = {
  name: "scheduled-lane",
  payload: z.object({ repositoryId: z.string().min(1), lane: z.string().min(1).max(200) }),
  options: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } satisfies JobsOptions,
} as const;

/** One queue per host capability class: a worker listens only on classes its host can serve. */
export function laneQueueName(hostClass: HostClass): string {
  return `lanes-${hostClass}`;
}

export const CONTROL_QUEUE = "control";

export function bullPrefix(): string {
  return `${keyPrefix()}:bull`;
}

const queues = new Map<string, Queue>();
/** While Redis is down every reconnect fails: said once, then once per 30 s with a count. */
const queueErrors = quietRepeats(logger("jobs"), "warn");

function queue(name: string): Queue {
  let q = queues.get(name);
  if (!q) {
    q = new Queue(name, { connection: queueRedisOptions(), prefix: bullPrefix() });
    // Without a listener a lost connection prints stack traces; callers see their own command fail.
    q.on("error", (err) => queueErrors(`queue ${name}: ${err.message}`, { queue: name }));
    queues.set(name, q);
  }
  return q;
}

export function laneQueue(hostClass: HostClass): Queue {
  return queue(laneQueueName(hostClass));
}

export function controlQueue(): Queue {
  return queue(CONTROL_QUEUE);
}

/** How long a producer waits for a queue's first connection before it says Redis is unreachable. */
export const ENQUEUE_CONNECT_MS = 1500;

/**
 * The BullMQ job id is the run id, so enqueueing twice is a no-op while the job exists.
 * `delayMs` holds the job back (a backed-off automatic retry); BullMQ keeps it as "delayed".
 */
export async function enqueueRun(runId: string, hostClass: HostClass, opts: { delayMs?: number } = {}): Promise<void> {
  const payload = runLaneJob.payload.parse({ runId });
  const delay = z
    .number()
    .int()
    .min(0)
    .max(24 * 3600 * 1000)
    .optional()
    .parse(opts.delayMs);
  const queue = laneQueue(hostClass);
  // A queue that never reached Redis waits for it forever: a producer must not (README: health).
  await withinRedisTimeout(queue.waitUntilReady(), ENQUEUE_CONNECT_MS, `queue ${queue.name}`);
  // A run released back to waiting (its catalog could not be read) is queued again under the same
  // id: the finished job kept for the record would make this add a no-op, so it goes first.
  const finished = await queue.getJob(runId);
  const state = await finished?.getState();
  if (state === "completed" || state === "failed") await finished!.remove();
  await queue.add(runLaneJob.name, payload, { ...runLaneJob.options, jobId: runId, ...(delay ? { delay } : {}) });
}

/** When a delayed run job becomes due; null when it is not delayed (due now, running, or unknown to BullMQ). */
export async function runJobDueAt(runId: string, hostClass: HostClass): Promise<Date | null> {
  // A page waits on this: bounded, as a queue whose connection never came up waits forever.
  return withinRedisTimeout(
    (async () => {
      const job = await laneQueue(hostClass).getJob(runId);
      if (!job || !job.delay || (await job.getState()) !== "delayed") return null;
      return new Date(job.timestamp + job.delay);
    })(),
    READ_MS,
    `queue ${laneQueueName(hostClass)}`,
  );
}

/** How long a page or a click waits for BullMQ before it goes on without it. */
const READ_MS = 1000;

export async function enqueueSync(repositoryId: string): Promise<void> {
  const payload = syncRepositoryJob.payload.parse({ repositoryId });
  await controlQueue().add(syncRepositoryJob.name, payload, syncRepositoryJob.options);
}

/** Which run ids BullMQ still knows about (waiting, active, delayed), for the reconciler. */
export async function knownRunJobIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const hostClass of HOST_CLASSES) {
    const jobs = await withinRedisTimeout(
      laneQueue(hostClass).getJobs(["waiting", "active", "delayed", "prioritized"]),
      10_000,
      `queue ${laneQueueName(hostClass)}`,
    );
    for (const job of jobs) if (job?.id) ids.add(job.id);
  }
  return ids;
}

export async function removeRunJob(runId: string, hostClass: HostClass): Promise<void> {
  await withinRedisTimeout(
    (async () => {
      const job = await laneQueue(hostClass).getJob(runId);
      if (job && !(await job.isActive())) await job.remove().catch(() => undefined);
    })(),
    READ_MS,
    `queue ${laneQueueName(hostClass)}`,
  );
}

/** How long closing a queue may wait for Redis before its connection is cut. */
const QUEUE_CLOSE_MS = 3000;

export async function closeQueues(): Promise<void> {
  const all = [...queues.values()];
  queues.clear();
  await Promise.all(
    all.map((q) =>
      closeOrCut(
        q.close(),
        () => q.getBackend().client.then((c) => c.disconnect()),
        QUEUE_CLOSE_MS,
        `closing queue ${q.name}`,
      ),
    ),
  );
}
