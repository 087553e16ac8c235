import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb, type Repository } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues, controlQueue, knownRunJobIds, liveKey } from "@proofboard/jobs";
import {
  ensureRepository,
  ensureSchedulers,
  epochKey,
  followRun,
  readConsole,
  requestRun,
  runById,
  syncRepository,
  syncSchedules,
  watchTransport,
} from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis";
import { makeRepo, resetDb, waitFor } from "./helpers";

/**
 * Redis is transport only: a private redis-server (never the shared one) is flushed for real, and
 * whichever Proofboard process is alive gives it back the schedulers and queued runs from Postgres.
 */
const FLOOD_BYTES = 24 << 20;
const BUDGET = 1 << 20;

const lane = (name: string, command: string[], extra = "") =>
  `  - { name: ${name}, description: lane ${name}, command: ${JSON.stringify(command)}, group: regression-guard, host: tcg, timeoutSeconds: 120${extra} }`;
// Deterministic lines, written in bursts so a follower can join while the lane is still printing.
const flood = `let i = 0; const total = ${FLOOD_BYTES};
const line = (n) => "line " + String(n).padStart(9, "0") + " \\x00\\xff\\u20ac\\n";
let written = 0;
const burst = () => { let s = ""; while (s.length < 65536) s += line(i++);
  const b = Buffer.from(s); written += b.length;
  process.stdout.write(b, () => written < total ? setTimeout(burst, 2) : undefined); };
burst();`;
const catalog = `version: 1
name: redis-loss
profiles: []
lanes:
${lane("a", ["bash", "-c", "echo a"])}
${lane("b", ["bash", "-c", "echo b"])}
${lane("slow", ["bash", "-c", "sleep 6; echo slow"])}
${lane("c", ["bash", "-c", "echo c"])}
${lane("d", ["bash", "-c", "echo d"])}
${lane("flood", ["node", "-e", flood])}
${lane("nightly", ["true"], ', triggers: { schedule: "* * * * *", branches: [main] }')}
gates:
  - { id: release, name: Release, description: all, release: true, lanes: [a] }
`;

let redis: PrivateRedis;
let repo: Repository;
let worker: RunningWorker | undefined;
const saved = {
  REDIS_URL: process.env.REDIS_URL,
  PROOFBOARD_LIVE_STREAM_BYTES: process.env.PROOFBOARD_LIVE_STREAM_BYTES,
};

beforeAll(async () => {
  redis = await startPrivateRedis();
  process.env.REDIS_URL = redis.url;
  process.env.PROOFBOARD_LIVE_STREAM_BYTES = String(BUDGET);
  resetEnvCache();
  await resetDb();
  const target = makeRepo({ "proofboard.yaml": catalog });
  repo = await ensureRepository("itest", target.dir);
  await syncRepository(repo);
  expect(await syncSchedules(repo, 30)).toEqual(["nightly (* * * * *)"]);
});

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
  await redis?.stop();
  Object.assign(process.env, saved);
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  resetEnvCache();
});

const schedulerKeys = async () => (await controlQueue().getJobSchedulers()).map((s) => s.key).sort();

/** Flushes the private Redis and returns the seconds until schedulers and queued runs are back. */
async function flushAndAwaitRebuild(queuedRunIds: string[]): Promise<number> {
  expect(await redis.client.exists(epochKey())).toBe(1);
  await redis.client.flushall();
  expect(await schedulerKeys()).toEqual([]);
  const t0 = Date.now();
  await waitFor(
    "schedulers and queued runs rebuilt from Postgres",
    async () => {
      const keys = await schedulerKeys();
      if (!keys.includes(`sync-${repo.id}`) || !keys.includes(`lane:${repo.id}:nightly`)) return false;
      const known = await knownRunJobIds();
      return queuedRunIds.every((id) => known.has(id));
    },
    30_000,
  );
  const seconds = (Date.now() - t0) / 1000;
  console.log(`redis-loss: rebuilt ${seconds}s after FLUSHALL`);
  return seconds;
}

const ended = (id: string) =>
  waitFor(
    `run ${id} to end`,
    async () => {
      const r = await runById(id);
      return ["queued", "running"].includes(r.status) ? null : r;
    },
    60_000,
  );

describe("Redis loses its data", () => {
  it("the web alone (no worker) rebuilds schedulers and queued runs; a worker started later runs them", async () => {
    const lines: string[] = [];
    const web = watchTransport({ syncEverySeconds: 30, log: (l) => lines.push(l) });
    let runs: { id: string }[] = [];
    try {
      await web.ready;
      runs = [
        await requestRun({ repository: "itest", branch: "main", lane: "a" }),
        await requestRun({ repository: "itest", branch: "main", lane: "b" }),
      ];
      const seconds = await flushAndAwaitRebuild(runs.map((r) => r.id));
      expect(seconds).toBeLessThan(30);
      // The jobs are back a moment before the rebuild is logged (the epoch is set in between).
      await waitFor(
        "the rebuild after FLUSHALL to be logged",
        async () => lines.some((l) => l.includes("rebuilt") && l.includes("requeued 2 run(s)")),
        10_000,
      );
    } finally {
      web.stop();
    }
    worker = await startWorker({ hostName: "redis-loss-1", control: false, slots: 1, log: () => undefined });
    for (const r of runs) expect((await ended(r.id)).status).toBe("passed");
    await worker.stop();
    worker = undefined;
  });

  it("a worker alone rebuilds while a lane is running, and every run completes", async () => {
    const logs: string[] = [];
    worker = await startWorker({ hostName: "redis-loss-2", control: true, slots: 1, log: (l) => logs.push(l) });
    const slow = await requestRun({ repository: "itest", branch: "main", lane: "slow" });
    await waitFor("slow to start", async () => (await runById(slow.id)).status === "running");
    const queued = [
      await requestRun({ repository: "itest", branch: "main", lane: "c" }),
      await requestRun({ repository: "itest", branch: "main", lane: "d" }),
    ];
    await waitFor("the worker's epoch", async () => (await redis.client.exists(epochKey())) === 1);
    const seconds = await flushAndAwaitRebuild(queued.map((r) => r.id));
    expect(seconds).toBeLessThan(30);
    for (const id of [slow.id, ...queued.map((r) => r.id)]) expect((await ended(id)).status).toBe("passed");
    expect(logs.some((l) => l.startsWith("transport: Redis had no epoch"))).toBe(true);
  });

  it("rebuilds every other scheduler when one stored pattern is not a cron cron can read", async () => {
    await db().laneSchedule.create({ data: { repositoryId: repo.id, lane: "bad; FLUSHALL", pattern: "99 99 * * *" } });
    try {
      const keys = await ensureSchedulers(30);
      expect(keys).toContain(`lane:${repo.id}:nightly`);
      expect(keys).not.toContain(`lane:${repo.id}:bad; FLUSHALL`);
      expect(await schedulerKeys()).toEqual([`lane:${repo.id}:nightly`, `sync-${repo.id}`].sort());
    } finally {
      await db().laneSchedule.delete({
        where: { repositoryId_lane: { repositoryId: repo.id, lane: "bad; FLUSHALL" } },
      });
    }
  });

  it("keeps a run's live stream within its byte budget; a follower from offset 0 still gets every byte from Postgres", async () => {
    worker ??= await startWorker({ hostName: "redis-loss-3", control: false, slots: 1, log: () => undefined });
    const run = await requestRun({ repository: "itest", branch: "main", lane: "flood" });
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(
          peak,
          Number((await redis.client.call("MEMORY", "USAGE", liveKey(run.id), "SAMPLES", "0").catch(() => 0)) ?? 0),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // Join once a good part is stored: what the stream already dropped must come from Postgres.
    const t0 = Date.now();
    await waitFor(
      "8 MiB stored",
      async () => (await readConsole(run.id, "harness", 8 << 20, 1).catch(() => null))?.data.length,
      120_000,
    );
    const followed: Buffer[] = [];
    for await (const ev of followRun(run.id, {}))
      if (ev.kind === "bytes" && ev.console === "harness") followed.push(ev.data);
    sampling = false;
    await sampler;
    console.log(`flood: joined after ${(Date.now() - t0) / 1000}s; peak MEMORY USAGE ${peak}`);
    expect((await runById(run.id)).status).toBe("passed");

    const stored: Buffer[] = [];
    for (let at = 0; ;) {
      const { data } = await readConsole(run.id, "harness", at, 8 << 20);
      if (!data.length) break;
      stored.push(data);
      at += data.length;
    }
    const storedAll = Buffer.concat(stored);
    expect(storedAll.length).toBeGreaterThanOrEqual(FLOOD_BYTES);
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(sha(Buffer.concat(followed))).toBe(sha(storedAll));
    // The budget plus one 256 KiB batch and Redis's own overhead; without the trim it was the whole console.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(2 * BUDGET);
  }, 180_000);
});
