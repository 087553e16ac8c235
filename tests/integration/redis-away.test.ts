import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { repoRoot, resetEnvCache } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { closeProbes, ensureRepository, markLostRuns, requestRun, runById, syncRepository } from "@proofboard/services";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis";
import { stopChild } from "../support/processes";
import { catalogYaml, makeRepo, resetDb, waitFor } from "./helpers";

/**
 * Redis unreachable (its server killed, not just emptied) for longer than the host timeout while
 * a lane runs: the worker keeps heartbeating to PostgreSQL, so nobody takes it for dead, and its
 * run passes once Redis is back. A real worker process and a private redis-server.
 */
const AWAY_MS = 12_000;
const hostName = "redis-away-host";
let redis: PrivateRedis;
let worker: ChildProcess | undefined;
const workerLog: string[] = [];
const saved = process.env.REDIS_URL;

async function useRedis(url: string | undefined): Promise<void> {
  await closeQueues();
  closeProbes();
  if (url === undefined) delete process.env.REDIS_URL;
  else process.env.REDIS_URL = url;
  resetEnvCache();
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  await useRedis(redis.url);
  await resetDb();
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "steady", command: ["sh", "-c", "echo start; sleep 20; echo end"], timeoutSeconds: 120 },
    ]),
  });
  await syncRepository(await ensureRepository("itest", target.dir));
  worker = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), ["apps/worker/src/main.ts"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      PROOFBOARD_DATA_DIR: path.join(process.env.PROOFBOARD_DATA_DIR!, "redis-away"),
      PROOFBOARD_HOST_NAME: hostName,
      PROOFBOARD_WORKER_SLOTS: "1",
      PROOFBOARD_DRAIN_SECONDS: "1",
      PROOFBOARD_LOG_FORMAT: "text",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [worker.stdout!, worker.stderr!]) {
    stream.on("data", (d: Buffer) => workerLog.push(...d.toString().split("\n").filter(Boolean)));
  }
}, 60_000);

afterAll(async () => {
  await stopChild(worker);
  await redis?.stop();
  await useRedis(saved);
  await disconnectDb();
});

/** A run of the 20 s lane, once a worker has started it. */
async function steadyRunning() {
  const run = await requestRun({ repository: "itest", branch: "main", lane: "steady" });
  await waitFor("the lane to run", async () => (await runById(run.id)).status === "running", 60_000);
  return run;
}

/** The test, with the worker's own lines (not its reconnect refusals) printed when it fails. */
function showingWorkerLog(test: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await test();
    } catch (err) {
      const said = workerLog.filter((l) => !l.includes("ECONNREFUSED"));
      console.error(`worker log but connection refusals (last 40 lines):\n${said.slice(-40).join("\n")}`);
      throw err;
    }
  };
}

const heartbeatOf = async () => (await db().host.findFirstOrThrow({ where: { name: hostName } })).lastHeartbeatAt;

describe("Redis unreachable mid-run", () => {
  it(
    "keeps the worker's PostgreSQL heartbeat going, so its run is not lost and passes once Redis is back",
    { timeout: 120_000 },
    showingWorkerLog(async () => {
      const run = await steadyRunning();
      const port = redis.port;
      await redis.stop();
      await new Promise((r) => setTimeout(r, AWAY_MS / 2));
      const mid = await heartbeatOf();
      await new Promise((r) => setTimeout(r, AWAY_MS / 2));
      const late = await heartbeatOf();
      // Past the host timeout (8 s) without Redis: the Postgres heartbeat alone says the worker lives.
      expect(late.getTime()).toBeGreaterThan(mid.getTime());
      expect(Date.now() - late.getTime()).toBeLessThan(5000);
      redis = await startPrivateRedis(port);
      // What every reconciler does meanwhile: nothing of this run is lost.
      expect((await markLostRuns(8)).lost).toEqual([]);
      const ended = await waitFor(
        "the run to end",
        async () => {
          const r = await runById(run.id);
          return ["queued", "running"].includes(r.status) ? null : r;
        },
        60_000,
      );
      expect({ status: ended.status, reason: ended.reason }).toEqual({ status: "passed", reason: null });
    }),
  );

  it(
    "stops on SIGTERM while Redis is down: its lane handed back in PostgreSQL and the process gone within seconds",
    { timeout: 120_000 },
    showingWorkerLog(async () => {
      const run = await steadyRunning();
      await redis.stop();
      const exited = new Promise<number | null>((resolve) => worker!.once("exit", resolve));
      const t0 = Date.now();
      worker!.kill("SIGTERM");
      // Drain (1 s) and the bounded queue close: it used to wait for Redis forever.
      const code = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 30_000))]);
      expect(code).toBe(0);
      console.info(`worker stopped ${Date.now() - t0} ms after SIGTERM with Redis down`);
      const ended = await runById(run.id);
      expect({ status: ended.status, reason: ended.reason }).toMatchObject({
        status: "lost",
        reason: expect.stringContaining("shut down") as unknown,
      });
      const retry = await db().run.findFirst({ where: { previousRunId: run.id } });
      expect(retry?.status).toBe("queued");
    }),
  );
});
