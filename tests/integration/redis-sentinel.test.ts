import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues, createRedis } from "@proofboard/jobs";
import { ensureRepository, requestRun, runById, syncRepository } from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { catalogYaml, makeRepo, resetDb, waitFor } from "./helpers";

/**
 * Redis behind Sentinel: a real redis-server in sentinel mode watching the test Redis, and
 * REDIS_URL pointed at a port where nothing listens, so only the sentinel can say where Redis is.
 * A lane is queued and run through it.
 */

let sentinel: ChildProcess | undefined;
let worker: RunningWorker | undefined;
const saved = {
  url: process.env.REDIS_URL,
  sentinels: process.env.PROOFBOARD_REDIS_SENTINELS,
  name: process.env.PROOFBOARD_REDIS_SENTINEL_NAME,
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

beforeAll(async () => {
  await resetDb();
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "pb-sentinel-"));
  const master = new URL(saved.url ?? "redis://127.0.0.1:6379");
  // Sentinel rewrites its own config file, so it gets one of its own.
  writeFileSync(
    path.join(dir, "sentinel.conf"),
    `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor pbtest ${master.hostname} ${master.port || 6379} 1\n`,
  );
  sentinel = spawn("redis-server", [path.join(dir, "sentinel.conf"), "--sentinel"], { stdio: "ignore" });
  await waitFor(
    "the sentinel to know its master",
    async () => {
      const probe = net.connect(port, "127.0.0.1");
      const answer = await new Promise<string>((resolve) => {
        probe.on("error", () => resolve(""));
        probe.on("connect", () => probe.write("SENTINEL get-master-addr-by-name pbtest\r\n"));
        probe.on("data", (d) => resolve(d.toString()));
      });
      probe.destroy();
      return answer.includes(String(master.port || 6379));
    },
    15_000,
  );
  process.env.REDIS_URL = "redis://127.0.0.1:1";
  process.env.PROOFBOARD_REDIS_SENTINELS = `127.0.0.1:${port}`;
  process.env.PROOFBOARD_REDIS_SENTINEL_NAME = "pbtest";
  resetEnvCache();
  await closeQueues();
}, 30_000);

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  for (const [key, value] of [
    ["REDIS_URL", saved.url],
    ["PROOFBOARD_REDIS_SENTINELS", saved.sentinels],
    ["PROOFBOARD_REDIS_SENTINEL_NAME", saved.name],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetEnvCache();
  sentinel?.kill("SIGTERM");
  await disconnectDb();
});

describe("Redis behind Sentinel", () => {
  it("finds the master through the sentinel and runs a lane through it", async () => {
    const redis = createRedis();
    try {
      expect(await redis.ping()).toBe("PONG");
      expect(redis.options.sentinels).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
    const target = makeRepo({
      "proofboard.yaml": catalogYaml([{ name: "via-sentinel", command: ["bash", "-c", "echo through the sentinel"] }]),
    });
    await syncRepository(await ensureRepository("itest", target.dir));
    worker = await startWorker({ hostName: "sentinel-host", control: false, slots: 1, log: () => undefined });
    const run = await requestRun({ repository: "itest", branch: "main", lane: "via-sentinel" });
    const done = await waitFor(
      "the lane to end",
      async () => {
        const r = await runById(run.id);
        return ["passed", "failed", "error"].includes(r.status) ? r : null;
      },
      60_000,
    );
    expect(done.status).toBe("passed");
  }, 90_000);
});
