import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@proofboard/api";
import { disconnectDb } from "@proofboard/db";
import { repoRoot, resetEnvCache } from "@proofboard/env";
import { closeQueues, runControlChannel } from "@proofboard/jobs";
import {
  closeProbes,
  ensureRepository,
  listOperations,
  readConsole,
  runById,
  syncRepository,
} from "@proofboard/services";
import { contextAs, testUser } from "../support/callers";
import { startPrivateRedis, type PrivateRedis } from "../support/private-redis";
import { stopChild } from "../support/processes";
import { makeRepo, resetDb, waitFor } from "./helpers";

/**
 * A held run while Redis is unreachable. Keystrokes, which only Redis carries, answer a 503 that
 * says to try again once Redis answers, within seconds, not a hang or a 500, and never arrive
 * later. An operation start and a hold end are saved in PostgreSQL, which the worker reads at its
 * heartbeat: they answer with a note saying so (not a 503 inviting a second request) and take
 * effect. Once Redis is back a keystroke reaches the guest. A real worker process booting a real
 * guest under TCG, and a private redis-server stopped and started again on its port.
 */
const hostName = "hold-redis-away-host";
const holder = "hold-away-op";
const workerData = path.join(process.env.PROOFBOARD_DATA_DIR!, "hold-redis-away");
const catalog = `version: 1
name: hold-away
lanes:
  - name: single
    description: one guest, for holding
    command: [bash, -c, "echo harness done"]
    group: publishable
    host: tcg
    timeoutSeconds: 240
    vms: { nodes: [node01], services: [chainfire], overlay: components }
    operations:
      - { name: status, command: [sh, -c, "echo status-of-the-held-cluster"] }
gates: []
`;

let redis: PrivateRedis;
let worker: ChildProcess | undefined;
let target: ReturnType<typeof makeRepo> | undefined;
let caller: ReturnType<typeof appRouter.createCaller>;
const workerLog: string[] = [];
const saved = process.env.REDIS_URL;

async function useRedis(url: string | undefined): Promise<void> {
  await closeQueues();
  closeProbes();
  if (url === undefined) delete process.env.REDIS_URL;
  else process.env.REDIS_URL = url;
  resetEnvCache();
}

/** QEMUs of this file's worker (its work folder is in their command line). */
function qemuCount(): number {
  try {
    return Number(
      execFileSync("pgrep", ["-fc", `qemu-system-x86_64 .*${workerData}/worker/${hostName}/`], {
        encoding: "utf8",
      }).trim(),
    );
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  await useRedis(redis.url);
  await resetDb();
  target = makeRepo({ "proofboard.yaml": catalog, "components/chainfire.toml": "healthy = true\n" });
  await syncRepository(await ensureRepository("hold-away", target.dir));
  await testUser("operator", holder);
  caller = appRouter.createCaller(await contextAs("operator", holder));
  worker = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), ["apps/worker/src/main.ts"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      PROOFBOARD_DATA_DIR: workerData,
      PROOFBOARD_HOST_NAME: hostName,
      PROOFBOARD_WORKER_SLOTS: "1",
      PROOFBOARD_DRAIN_SECONDS: "1",
      PROOFBOARD_VM_ACCEL: "tcg",
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
  rmSync(workerData, { recursive: true, force: true });
  if (target) rmSync(target.dir, { recursive: true, force: true });
});

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

interface Answer {
  ms: number;
  /** a TRPCError's code (tests have no direct @trpc/server dependency), "resolved", or "hung" */
  code: string;
  /** the error's message, or a resolved answer's note ("" without one) */
  message: string;
}

/** How a call ends, and when: bounded at 5 s, so a call that waits for Redis fails the test there. */
async function answerOf(call: Promise<unknown>): Promise<Answer> {
  const t0 = Date.now();
  const outcome = await Promise.race([
    call.then(
      (v: unknown) => ({ code: "resolved", message: (v as { note?: string | null } | null)?.note ?? "" }),
      (err: unknown) => {
        const e = err as { name?: string; code?: string; message?: string };
        return {
          code: e.name === "TRPCError" ? String(e.code) : `not a TRPCError: ${String(err)}`,
          message: e.message ?? "",
        };
      },
    ),
    new Promise<{ code: string; message: string }>((r) =>
      setTimeout(() => r({ code: "hung", message: "no answer within 5 s" }), 5000),
    ),
  ]);
  return { ms: Date.now() - t0, ...outcome };
}

const consoleText = async (runId: string) => (await readConsole(runId, "node01")).data.toString("latin1");
const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;

/** `echo pb-$((6*7))-TOKEN`: the guest's shell answers pb-42-TOKEN, which only a shell that ran it prints. */
const keystroke = (token: string) => `echo pb-$((6*7))-${token}\r`;

describe("a held run while Redis is unreachable", () => {
  let runId: string;
  const token = randomBytes(6).toString("hex");
  const hostile = [
    // a screen clear, a title change, a cursor report request, BEL, NUL, ^C
    "\x1b[2J\x1b[H\x1b]0;pwned-title\x07\x1b[6n\x00\x00\x03",
    // 4 KiB, the most runs.input takes
    "A".repeat(4096),
    // 4096 UTF-16 units of 4-byte UTF-8 (16 KiB on the wire) and a lone surrogate
    "\u{1F600}".repeat(2047) + "\ud800x",
  ];

  beforeAll(async () => {
    const run = await caller.runs.rerun({ repository: "hold-away", branch: "main", lane: "single", holdMinutes: 10 });
    runId = run.id;
    await waitFor(
      "the hold to start",
      async () => ((await runById(runId)).holdUntil?.getTime() ?? 0) > Date.now(),
      60_000,
    );
    await waitFor("the guest's prompt", async () => (await consoleText(runId)).includes("node01:"), 60_000);
  }, 120_000);

  it(
    "takes the holder's keystrokes while Redis answers (the baseline)",
    showingWorkerLog(async () => {
      await caller.runs.input({ id: runId, console: "node01", data: keystroke(`before-${token}`) });
      await waitFor(
        "the guest's answer",
        async () => (await consoleText(runId)).includes(`pb-42-before-${token}`),
        20_000,
      );
      expect(qemuCount()).toBe(1); // what "no qemu left" below counts
    }),
  );

  it(
    "answers keystrokes (hostile ones too) with a 503 that says to try again once Redis answers, within seconds; an operation starts anyway, with a note",
    { timeout: 60_000 },
    showingWorkerLog(async () => {
      const port = redis.port;
      await redis.stop();
      const answers: Record<string, Answer> = {};
      answers.keystroke = await answerOf(caller.runs.input({ id: runId, console: "node01", data: keystroke(token) }));
      for (const [i, data] of hostile.entries())
        answers[`hostile ${i}`] = await answerOf(caller.runs.input({ id: runId, console: "node01", data }));
      answers.operation = await answerOf(caller.operations.start({ runId, name: "status", cols: 80, rows: 24 }));
      console.info(
        `with Redis down: ${Object.entries(answers)
          .map(([k, a]) => `${k} ${a.code} in ${a.ms} ms`)
          .join(", ")}`,
      );

      const unavailable = (what: string) => ({
        code: "SERVICE_UNAVAILABLE",
        message: `Redis unreachable: sending ${what}: no answer within 2000 ms; try again once Redis answers`,
      });
      const { operation, ...keystrokes } = answers;
      for (const [name, a] of Object.entries(keystrokes)) {
        expect({ name, code: a.code, message: a.message }).toEqual({ name, ...unavailable("input") });
        expect(a.ms, name).toBeLessThan(5000);
      }
      expect({ code: operation.code, message: operation.message }).toEqual({
        code: "resolved",
        message: "Redis unreachable: saved in PostgreSQL; the worker starts it at its next heartbeat",
      });
      expect(operation.ms).toBeLessThan(5000);

      // Input the API refuses itself stays a clear 400 at once, whether Redis answers or not.
      const refused = [
        await answerOf(caller.runs.input({ id: runId, console: "node01", data: "A".repeat(4097) })),
        await answerOf(caller.runs.input({ id: runId, console: "node01\x1b[2J", data: "x" })),
        await answerOf(caller.operations.start({ runId, name: "status; reboot -f", cols: 80, rows: 24 })),
      ];
      for (const a of refused) {
        expect(a.code).toBe("BAD_REQUEST");
        expect(a.ms).toBeLessThan(1000);
      }

      // The worker found the operation in PostgreSQL at its heartbeat and ran it, Redis still down.
      const viewer = await testUser("operator", holder);
      const op = await waitFor(
        "the operation to run without Redis",
        async () => (await listOperations(runId, viewer)).operations.find((o) => o.endedAt !== null),
        20_000,
      );
      expect({ exitCode: op.exitCode, error: op.error }).toEqual({ exitCode: 0, error: null });
      expect((await readConsole(runId, op.console)).data.toString("utf8")).toContain("status-of-the-held-cluster");

      redis = await startPrivateRedis(port);
    }),
  );

  it(
    "once Redis is back, the keystroke reaches the guest; a hold ended while Redis is away again ends, leaving no QEMU",
    { timeout: 90_000 },
    showingWorkerLog(async () => {
      // Pub/sub delivers to whoever listens now: the worker's subscription must be back first.
      await waitFor(
        "the worker to subscribe to run control again",
        async () => {
          const [, n] = (await redis.client.pubsub("NUMSUB", runControlChannel())) as [string, number];
          return n > 0;
        },
        30_000,
      );
      // None of the keystrokes answered with a 503 reached the guest meanwhile.
      const before = await consoleText(runId);
      expect(occurrences(before, `pb-42-${token}`)).toBe(0);
      expect(before).not.toContain("pwned-title");
      expect(before).not.toContain("A".repeat(64));

      const t0 = Date.now();
      expect(await caller.runs.input({ id: runId, console: "node01", data: keystroke(token) })).toEqual({ ok: true });
      expect(Date.now() - t0).toBeLessThan(5000);
      await waitFor("the guest's answer", async () => (await consoleText(runId)).includes(`pb-42-${token}`), 60_000);
      console.info(`keystroke answered by the guest ${Date.now() - t0} ms after it was sent`);
      expect(occurrences(await consoleText(runId), `pb-42-${token}`)).toBe(1);

      const port = redis.port;
      await redis.stop();
      const ended = await answerOf(caller.runs.endHold({ id: runId }));
      expect({ code: ended.code, message: ended.message }).toEqual({
        code: "resolved",
        message: "Redis unreachable: saved in PostgreSQL; the worker ends the hold at its next heartbeat",
      });
      expect(ended.ms).toBeLessThan(5000);
      const done = await waitFor(
        "the run to end",
        async () => {
          const r = await runById(runId);
          return ["queued", "running"].includes(r.status) ? null : r;
        },
        30_000,
      );
      expect({ status: done.status, reason: done.reason }).toEqual({ status: "passed", reason: null });
      await waitFor("no qemu left", async () => qemuCount() === 0, 15_000);
      redis = await startPrivateRedis(port);
    }),
  );
});
