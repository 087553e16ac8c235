import type { Job } from "bullmq";
import { scheduledLaneJob, syncRepositoryJob } from "@proofboard/jobs";
import { db } from "@proofboard/db";
import { runScheduledLane, syncRepository, syncSchedules } from "@proofboard/services";

type Handler = (job: Job, log: (line: string) => void) => Promise<void>;

/** The control queue's jobs by name, as BullMQ's guide has it: an unknown name fails loudly. */
const handlers: Record<string, Handler> = {
  [scheduledLaneJob.name]: async (job, log) => {
    const { repositoryId, lane } = scheduledLaneJob.payload.parse(job.data);
    const queued = await runScheduledLane(repositoryId, lane);
    if (queued.length) log(`schedule: ${lane} queued ${queued.length} run(s)`);
  },
  [syncRepositoryJob.name]: async (job, log) => {
    const { repositoryId } = syncRepositoryJob.payload.parse(job.data);
    const repo = await db().repository.findUniqueOrThrow({ where: { id: repositoryId } });
    const s = await syncRepository(repo);
    if (s.added.length || s.moved.length || s.deleted.length) {
      log(`sync ${repo.name}: +${s.added.length} moved ${s.moved.length} deleted ${s.deleted.length}`);
    }
    // lane_schedule follows main's catalog, so Redis can be given the schedules back from Postgres
    if (s.moved.some((b) => b === "main" || b === "master")) await syncSchedules(repo);
  },
};

export function controlJobProcessor(log: (line: string) => void): (job: Job) => Promise<void> {
  return async (job) => {
    // Own keys only: a job named "constructor" or "toString" is unknown, not Object's.
    const handler = Object.hasOwn(handlers, job.name) ? handlers[job.name] : undefined;
    if (!handler)
      throw new Error(`unknown control job "${job.name}": this worker knows ${Object.keys(handlers).join(", ")}`);
    await handler(job, log);
  };
}
