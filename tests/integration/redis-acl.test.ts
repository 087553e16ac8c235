import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "@proofboard/db";
import { env, repoRoot, resetEnvCache } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { ensureRepository, followRun, readConsole, requestRun, runById, syncRepository } from "@proofboard/services";
import { catalogYaml, makeRepo, resetDb, waitFor } from "./helpers";
import { stopChild } from "../support/processes";

/**
 * Redis ACL users per process kind, made by scripts/redis-acl.ts on the real Redis: each is kept to
 * its keys and channel, no dangerous commands; and they are enough: a real worker process on the
 * worker user runs a lane that the web user queued and follows live.
 */

const run = promisify(execFile);
const dataDir = mkdtempSync(path.join(os.tmpdir(), "pb-acl-"));
const adminUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const urls: Record<"web" | "worker", string> = { web: "", worker: "" };
let worker: ChildProcess | undefined;
const workerLog: string[] = [];

async function script(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/redis-acl.ts", ...args], {
    cwd: repoRoot,
    env: { ...process.env, PROOFBOARD_DATA_DIR: dataDir, REDIS_URL: adminUrl },
  });
  return stdout.trim();
}

/** The reply, or the error's first word (NOPERM): what the user may do, asked for real. */
async function attempt(redis: Redis, ...command: [string, ...(string | number)[]]): Promise<string> {
  try {
    return String(await redis.call(...command));
  } catch (err) {
    return (err as Error).message.split(" ")[0]!;
  }
}

beforeAll(async () => {
  await resetDb();
  await script("apply");
  urls.web = await script("url", "web");
  urls.worker = await script("url", "worker");
}, 60_000);

afterAll(async () => {
  await stopChild(worker);
  process.env.REDIS_URL = adminUrl;
  resetEnvCache();
  await closeQueues();
  const admin = new Redis(adminUrl);
  for (const kind of ["web", "worker"] as const)
    await admin.call("ACL", "DELUSER", `proofboard-${env().PROOFBOARD_REDIS_PREFIX}-${kind}`);
  admin.disconnect();
  await disconnectDb();
});

describe("Redis ACL users", () => {
  it("keeps each kind of process to its keys and channel, without dangerous commands", async () => {
    const prefix = env().PROOFBOARD_REDIS_PREFIX;
    expect(urls.worker).toMatch(new RegExp(`^redis://proofboard-${prefix}-worker:[A-Za-z0-9_-]{32}@`));
    const web = new Redis(urls.web, { maxRetriesPerRequest: 1 });
    const wkr = new Redis(urls.worker, { maxRetriesPerRequest: 1 });
    try {
      expect(await attempt(wkr, "SET", `${prefix}:epoch:probe`, "1")).toBe("NOPERM");
      expect(await attempt(wkr, "SET", `${prefix}:alive:probe`, "1", "EX", 5)).toBe("OK");
      expect(await attempt(wkr, "INCR", `${prefix}:limit:probe`)).toBe("NOPERM");
      expect(await attempt(web, "INCR", `${prefix}:limit:probe`)).toBe("1");
      for (const r of [web, wkr]) {
        expect(await attempt(r, "GET", "someone-else:key")).toBe("NOPERM");
        expect(await attempt(r, "FLUSHALL")).toBe("NOPERM");
        expect(await attempt(r, "KEYS", "*")).toBe("NOPERM");
        expect(await attempt(r, "CONFIG", "GET", "dir")).toBe("NOPERM");
        expect(await attempt(r, "ACL", "SETUSER", "intruder", "on", ">x", "~*", "+@all")).toBe("NOPERM");
        expect(await attempt(r, "PUBLISH", "someone-else:channel", "x")).toBe("NOPERM");
        expect(await attempt(r, "PUBLISH", `${prefix}:run-control`, "{}")).toMatch(/^\d+$/);
      }
      // A hostile "prefix" cannot widen the patterns.
      const bad = await run(process.execPath, ["--import", "tsx", "scripts/redis-acl.ts", "apply"], {
        cwd: repoRoot,
        env: { ...process.env, PROOFBOARD_DATA_DIR: dataDir, PROOFBOARD_REDIS_PREFIX: "* ~*" },
      }).then(
        () => "ran",
        (err: { code?: number; stderr?: string }) => `${err.code}: ${err.stderr}`,
      );
      expect(bad).toMatch(/^[12]: /);
    } finally {
      web.disconnect();
      wkr.disconnect();
    }
  });

  it("is enough: the web user queues and follows, a worker process on the worker user runs the lane", async () => {
    const target = makeRepo({
      "proofboard.yaml": catalogYaml([
        { name: "acl-lane", command: ["bash", "-c", "for i in 1 2 3; do echo acl line $i; sleep 0.3; done"] },
      ]),
    });
    await syncRepository(await ensureRepository("itest", target.dir));
    worker = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        REDIS_URL: urls.worker,
        PROOFBOARD_HOST_NAME: "acl-worker",
        PROOFBOARD_WORKER_SLOTS: "1",
        PROOFBOARD_LOG_FORMAT: "text",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const s of [worker.stdout!, worker.stderr!]) s.on("data", (d: Buffer) => workerLog.push(d.toString()));
    // This process acts as the web from here on: its queue and live reads go through the web user.
    process.env.REDIS_URL = urls.web;
    resetEnvCache();
    await closeQueues();
    const queued = await requestRun({ repository: "itest", branch: "main", lane: "acl-lane" });
    const abort = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const ev of followRun(queued.id, {}, abort.signal)) {
        if (ev.kind === "bytes") seen.push(ev.data.toString());
        if (ev.kind === "status" && ["passed", "failed", "error"].includes(ev.status)) break;
      }
    })();
    const done = await waitFor(
      "the lane to end",
      async () => {
        const r = await runById(queued.id);
        return ["passed", "failed", "error", "lost"].includes(r.status) ? r : null;
      },
      90_000,
    );
    abort.abort();
    await following.catch(() => undefined);
    expect(done.status, workerLog.join("")).toBe("passed");
    expect((await readConsole(queued.id, "harness", 0)).data.toString()).toContain("acl line 3");
    expect(seen.join("")).toContain("acl line");
    expect(workerLog.join("")).not.toMatch(/NOPERM/);
  }, 120_000);
});
