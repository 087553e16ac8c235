import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues, laneQueue } from "@proofboard/jobs";
import {
  checkHealth,
  closeProbes,
  ensureRepository,
  fleetMetricsText,
  PROMETHEUS_CONTENT_TYPE,
  REDIS_UNREACHABLE_NOTE,
  requestMissingWithNote,
  registerHost,
  requeueForgottenRuns,
  requestRunWithNote,
  resetWorkerMetrics,
  syncRepository,
  workerMetrics,
  workerMetricsText,
} from "@proofboard/services";
import { startHealthServer, type HealthServer } from "@proofboard/worker";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis";
import { operatorCaller } from "../support/callers";
import { catalogYaml, insertRun, makeRepo, resetDb, waitFor } from "./helpers";

/**
 * /health and /metrics against the real Postgres and a private redis-server, which is stopped to
 * see producers fail fast and the reconciler dispatch the saved run once Redis is back.
 */
const HOSTILE_HOST = 'obs "host"\\ \nfake_metric 1';

let redis: PrivateRedis;
let server: HealthServer | undefined;
let hostId: string;
let sha: string;
let repositoryId: string;
const saved = process.env.REDIS_URL;

async function useRedis(url: string): Promise<void> {
  await closeQueues();
  closeProbes();
  process.env.REDIS_URL = url;
  resetEnvCache();
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  await useRedis(redis.url);
  await resetDb();
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "hello", command: ["true"] },
      { name: "other", command: ["true"] },
    ]),
  });
  const repo = await ensureRepository("obs", target.dir);
  repositoryId = repo.id;
  await syncRepository(repo);
  sha = (await db().branch.findFirstOrThrow({ where: { repositoryId, name: "main" } })).headSha;
  hostId = (await registerHost({ name: HOSTILE_HOST, classes: ["tcg"], capabilities: {}, slots: 1 })).id;
  resetWorkerMetrics();
  server = await startHealthServer({
    port: 0,
    host: "127.0.0.1",
    metrics: () => workerMetricsText(hostId),
    check: () => checkHealth({ hostId, hostTimeoutSeconds: 30 }),
  });
});

afterAll(async () => {
  await server?.close();
  await closeQueues();
  closeProbes();
  await disconnectDb();
  await redis?.stop();
  if (saved === undefined) delete process.env.REDIS_URL;
  else process.env.REDIS_URL = saved;
  resetEnvCache();
});

/** Each sample line as name{labels} → value. */
function samples(text: string): Map<string, number> {
  return new Map(
    text
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))]),
  );
}

describe("worker health server", () => {
  it("answers /health with Postgres, Redis and its own heartbeat", async () => {
    const res = await fetch(`${server!.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = await res.json();
    expect(body).toMatchObject({
      ok: true,
      failed: [],
      postgres: { ok: true },
      redis: { ok: true },
      heartbeat: { host: HOSTILE_HOST },
    });
    expect(body.heartbeat.ageSeconds).toBeLessThan(30);
  });

  it("serves its counters and heartbeat age at /metrics, with a hostile host name escaped", async () => {
    workerMetrics.consoleBytes.inc({ kind: "vm" }, 1234);
    workerMetrics.spoolBytes.set(4096);
    const res = await fetch(`${server!.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
    const text = await res.text();
    expect(text).not.toMatch(/^fake_metric/m);
    const s = samples(text);
    expect(s.get('proofboard_worker_console_bytes_total{kind="vm"}')).toBe(1234);
    expect(s.get("proofboard_worker_spool_bytes")).toBe(4096);
    expect(s.get("proofboard_worker_postgres_up")).toBe(1);
    expect(s.get('proofboard_worker_heartbeat_age_seconds{host="obs \\"host\\"\\\\ \\nfake_metric 1"}')).toBeLessThan(
      30,
    );
    expect((await fetch(`${server!.url}/nope`)).status).toBe(404);
  });

  it("says 503 with the heartbeat named once this worker's heartbeat is stale", async () => {
    await db().host.update({ where: { id: hostId }, data: { lastHeartbeatAt: new Date(Date.now() - 120_000) } });
    const res = await fetch(`${server!.url}/health`);
    expect(res.status).toBe(503);
    expect((await res.json()).failed).toEqual(["heartbeat"]);
    await db().host.update({ where: { id: hostId }, data: { lastHeartbeatAt: new Date() } });
  });
});

describe("fleet metrics", () => {
  it("counts queued runs and their jobs per host class, ended runs of the last day and heartbeat ages", async () => {
    const { run, note } = await requestRunWithNote({ repository: "obs", branch: "main", lane: "hello" });
    expect(note).toBeNull();
    await insertRun({ repositoryId, sha, lane: "other", status: "passed", queuedAt: new Date(Date.now() - 3600_000) });
    await insertRun({
      repositoryId,
      sha,
      lane: "other",
      status: "failed",
      queuedAt: new Date(Date.now() - 48 * 3600_000),
    });
    const s = samples(await fleetMetricsText());
    expect(s.get('proofboard_up{dependency="postgres"}')).toBe(1);
    expect(s.get('proofboard_up{dependency="redis"}')).toBe(1);
    expect(s.get('proofboard_runs{state="queued"}')).toBe(1);
    expect(s.get('proofboard_runs{state="running"}')).toBe(0);
    expect(s.get('proofboard_queue_jobs{host_class="tcg",state="waiting"}')).toBe(1);
    expect(s.get('proofboard_queue_jobs{host_class="kvm",state="waiting"}')).toBe(0);
    expect(s.get('proofboard_runs_ended_24h{state="passed"}')).toBe(1);
    // queued two days ago: outside the window
    expect(s.get('proofboard_runs_ended_24h{state="failed"}')).toBe(0);
    expect([...s.keys()].some((k) => k.startsWith("proofboard_host_heartbeat_age_seconds{host="))).toBe(true);
    await db().run.update({ where: { id: run.id }, data: { status: "canceled", finishedAt: new Date() } });
    await laneQueue("tcg").obliterate({ force: true });
  });
});

describe("Redis down", () => {
  async function rerunWhileDown(): Promise<string> {
    const t0 = Date.now();
    const { run, note } = await requestRunWithNote({ repository: "obs", branch: "main", lane: "hello" });
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(note).toBe(REDIS_UNREACHABLE_NOTE);
    // Postgres, the truth, has it
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).status).toBe("queued");
    return run.id;
  }

  it("fails fast, keeps the run in Postgres, reports 503, and the reconciler dispatches it once Redis is back", async () => {
    const port = redis.port;
    await laneQueue("tcg").getJobCounts("waiting"); // the producer's connection was up before the outage
    await redis.stop();

    const first = await rerunWhileDown();
    const health = await fetch(`${server!.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      ok: false,
      failed: ["redis"],
      postgres: { ok: true },
      redis: { ok: false },
    });
    const down = samples(await fleetMetricsText());
    expect(down.get('proofboard_up{dependency="redis"}')).toBe(0);
    expect(down.get('proofboard_runs{state="queued"}')).toBe(1);
    await db().run.update({ where: { id: first }, data: { status: "canceled", finishedAt: new Date() } });

    // A process whose queues never reached Redis (started during the outage) must not wait for it either;
    // and "rerun what is missing" says what a single rerun says (it used to drop the note).
    await closeQueues();
    const t0 = Date.now();
    const missing = await requestMissingWithNote({ repository: "obs", branch: "main" });
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(missing.runs.map((r) => [r.lane, r.status])).toEqual([["hello", "queued"]]);
    expect(missing.note).toBe(REDIS_UNREACHABLE_NOTE);
    const second = missing.runs[0]!.id;

    // Pages and clicks that touch BullMQ answer, bounded, instead of waiting for Redis: the branch
    // page asks when each queued run starts (it used to hang forever once a run was queued), and a
    // cancel is done in PostgreSQL. A run saved meanwhile is canceled there and never dispatched.
    const caller = await operatorCaller("obs-operator");
    let t = Date.now();
    const page = await caller.branches.get({ repository: "obs", name: "main" });
    expect(Date.now() - t).toBeLessThan(5000);
    const hello = page.lanes.find((l) => l.name === "hello")?.readiness;
    expect([hello?.headRun?.id, hello?.rerun?.id]).toContain(second);
    const extra = await requestRunWithNote({ repository: "obs", branch: "main", lane: "other" });
    t = Date.now();
    expect((await caller.runs.cancel({ id: extra.run.id })).status).toBe("canceled");
    expect(Date.now() - t).toBeLessThan(5000);

    redis = await startPrivateRedis(port);
    const requeued = await waitFor(
      "the reconciler to dispatch the saved run",
      async () => {
        const ids = await requeueForgottenRuns().catch(() => [] as string[]);
        return ids.includes(second) ? ids : null;
      },
      20_000,
    );
    expect(requeued).toEqual([second]);
    expect(await (await laneQueue("tcg").getJob(second))?.getState()).toBe("waiting");
    await waitFor("health to recover", async () => (await fetch(`${server!.url}/health`)).status === 200, 10_000);
  });
});
