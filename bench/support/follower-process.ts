import { follow, type FollowerResult } from "./sse-follower";

/** What a follower process is asked to follow, and what it answers. */
export interface FollowJob {
  url: string;
  cookie: string;
  runId: string;
  consoleName: string;
  count: number;
}
export type FollowerMessage =
  { type: "up" } | { type: "ready" } | { type: "done"; results: FollowerResult[]; cpuMs: number };

/**
 * A process of followers (bench/support/follower-pool.ts): once told what to follow over IPC, it
 * posts "ready" once per follower in place, then every follower's result and the CPU it took.
 */
const send = (m: FollowerMessage, then: () => void = () => undefined) => process.send!(m, then);
process.once("message", (job: FollowJob) => {
  const before = process.cpuUsage();
  void Promise.all(
    Array.from({ length: job.count }, () => {
      let told = false;
      const onReady = () => {
        if (!told) send({ type: "ready" });
        told = true;
      };
      return follow(job.url, job.cookie, job.runId, job.consoleName, onReady);
    }),
  ).then((results) => {
    const cpu = process.cpuUsage(before);
    send({ type: "done", results, cpuMs: (cpu.user + cpu.system) / 1000 }, () => process.exit(0));
  });
});
send({ type: "up" });
