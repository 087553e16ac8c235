import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FollowerMessage, FollowJob } from "./follower-process";
import type { FollowerResult } from "./sse-follower";

const script = fileURLToPath(new URL("./follower-process.ts", import.meta.url));

/**
 * Followers spread over `processes` processes of their own, as viewers on other machines would
 * be: one process's event loop reading 200 streams is itself a bottleneck the server is not.
 * Each process is started (and has compiled its code) before it is given its followers.
 */
export async function startFollowerPool(processes: number) {
  const children: ChildProcess[] = [];
  await Promise.all(
    Array.from({ length: processes }, async () => {
      const child = fork(script, [], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once("message", () => resolve());
        child.once("exit", (code) => reject(new Error(`a follower process exited ${code} before it was up`)));
      });
    }),
  );
  return {
    /** `count` followers over the processes; `onReady` once per follower in place */
    follow(
      job: Omit<FollowJob, "count">,
      count: number,
      onReady: () => void,
    ): Promise<{ results: FollowerResult[]; cpuMs: number }> {
      const parts = children.map((_, i) => Math.floor(count / children.length) + (i < count % children.length ? 1 : 0));
      return Promise.all(
        children.map(
          (child, i) =>
            new Promise<{ results: FollowerResult[]; cpuMs: number }>((resolve, reject) => {
              if (parts[i] === 0) {
                child.kill();
                return resolve({ results: [], cpuMs: 0 });
              }
              child.on("message", (m: FollowerMessage) => {
                if (m.type === "ready") onReady();
                if (m.type === "done") resolve(m);
              });
              child.once("exit", (code) =>
                reject(new Error(`a follower process exited ${code} before its followers were done`)),
              );
              child.send({ ...job, count: parts[i] });
            }),
        ),
      ).then((all) => ({ results: all.flatMap((a) => a.results), cpuMs: all.reduce((s, a) => s + a.cpuMs, 0) }));
    },
  };
}
