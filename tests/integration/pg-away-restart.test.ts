import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { repoRoot } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { ensureRepository, markLostRuns, readConsole, requestRun, runById, syncRepository } from "@proofboard/services";
import { readSpoolRecords } from "../../apps/worker/src/spool";
import { flagLaneScript } from "../support/flag-lane";
import { PgProxy } from "../support/pg-proxy";
import { stopChild } from "../support/processes";
import { catalogYaml, makeRepo, resetDb, waitFor } from "./helpers";

/**
 * The worker stops, or is killed, while PostgreSQL is away and its lane has already ended: what it
 * owed the database (console bytes, figures, the verdict) is in its spool file, and the next worker
 * under the host name stores it. The run keeps its own verdict, on its own attempt, with every byte,
 * though reconcilers looked meanwhile: a worker that owes spooled writes is taken for alive longer.
 */
const dbUrl = new URL(process.env.DATABASE_URL!);
const proxy = new PgProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
const dataDir = path.join(process.env.PROOFBOARD_DATA_DIR!, "pg-away-restart");
const hostName = "pg-restart-host";
const spoolDir = path.join(dataDir, "worker", hostName, "spool");
const flagDir = path.join(dataDir, "flags");
let worker: ChildProcess | undefined;
const workerLog: string[] = [];

/** Well-framed records with hostile contents, then a header that claims more than the file holds. */
function hostileSpool(): Buffer {
  const record = (header: object, data: Buffer) => {
    const h = Buffer.from(JSON.stringify(header));
    const lengths = Buffer.alloc(8);
    lengths.writeUInt32BE(h.length, 0);
    lengths.writeUInt32BE(data.length, 4);
    return Buffer.concat([lengths, h, data]);
  };
  const ref = { console: "x'; DROP TABLE run; --\u0000\u001b[2J", kind: "harness", expectedFrom: null };
  const at = new Date().toISOString();
  return Buffer.concat([
    record({ t: "chunk", ...ref, offset: 1 << 30, at, newlinesBefore: 0, markers: [] }, randomBytes(64)),
    record(
      { t: "verdict", outcome: { status: "passed", failureKind: null, exitCode: 0, reason: null }, metrics: [] },
      Buffer.alloc(0),
    ),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1]),
  ]);
}

function startWorker(viaProxy: boolean): ChildProcess {
  const url = new URL(dbUrl);
  if (viaProxy) url.host = `127.0.0.1:${proxy.port}`;
  // node itself, not the tsx launcher: the SIGKILL must reach the worker
  const child = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      PROOFBOARD_DATA_DIR: dataDir,
      PROOFBOARD_HOST_NAME: hostName,
      PROOFBOARD_WORKER_SLOTS: "1",
      PROOFBOARD_LOG_FORMAT: "text",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (d: Buffer) => workerLog.push(...d.toString().split("\n").filter(Boolean)));
  }
  return child;
}

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "killed", command: ["node", "lanes/lane.cjs", `${flagDir}/killed`, `${flagDir}/killed.out`] },
      { name: "stopped", command: ["node", "lanes/lane.cjs", `${flagDir}/stopped`, `${flagDir}/stopped.out`] },
    ]),
    "lanes/lane.cjs": flagLaneScript,
  });
  await syncRepository(await ensureRepository("itest", target.dir));
  mkdirSync(flagDir, { recursive: true });
}, 120_000);

afterAll(async () => {
  await stopChild(worker);
  proxy.cut();
  await closeQueues();
  await disconnectDb();
});

async function spooledVerdict(): Promise<string | null> {
  if (!existsSync(spoolDir)) return null;
  for (const f of readdirSync(spoolDir)) {
    const records = await readSpoolRecords(path.join(spoolDir, f)).catch(() => []);
    const v = records.find((r) => r.record.t === "verdict");
    if (v?.record.t === "verdict") return v.record.outcome.status;
  }
  return null;
}

describe.each([
  { lane: "killed", how: "killed with SIGKILL", stop: (w: ChildProcess) => w.kill("SIGKILL") },
  { lane: "stopped", how: "stopped (its writes given up)", stop: (w: ChildProcess) => stopChild(w) },
])("a worker $how while PostgreSQL is away, after its lane ended", ({ lane, stop }) => {
  it(
    "leaves its spool to the next worker, which stores every byte and the run's own verdict",
    { timeout: 240_000 },
    async () => {
      try {
        await proxy.listen();
        worker = startWorker(true);
        const run = await requestRun({ repository: "itest", branch: "main", lane });
        await waitFor(
          "the lane's first stored bytes",
          async () => (await readConsole(run.id, "harness").catch(() => null))?.data.length,
          90_000,
        );
        proxy.cut();
        await new Promise((r) => setTimeout(r, 1000));
        writeFileSync(path.join(flagDir, lane), "");
        // The lane ends while the database is away; the worker keeps the verdict in its spool file.
        expect(await waitFor("the verdict in the spool file", spooledVerdict, 60_000)).toBe("passed");
        await stop(worker);
        await new Promise<void>((r) =>
          worker!.exitCode !== null || worker!.signalCode !== null ? r() : worker!.once("exit", () => r()),
        );
        expect(readdirSync(spoolDir).length).toBe(1);
        if (lane === "stopped") expect(workerLog.some((l) => l.includes("stay in") && l.includes(run.id))).toBe(true);
        // Beside it, files the next worker must survive: records for a run that does not exist (a hostile
        // console name, bytes past any console's end), a file cut short mid-record, garbage, a stray name.
        const stranger = `${randomUUID()}-1.spool`;
        writeFileSync(path.join(spoolDir, stranger), hostileSpool());
        writeFileSync(path.join(spoolDir, `${randomUUID()}-2.spool`), hostileSpool().subarray(0, 50));
        writeFileSync(path.join(spoolDir, `${randomUUID()}-3.spool`), randomBytes(4096));
        writeFileSync(path.join(spoolDir, "notes; rm -rf ~.txt"), "not a spool");

        // The database is back and the dead worker silent for longer than the host timeout (8 s), while a
        // reconciler (the web process's, say) looks every second: the spool it owes keeps its run.
        await proxy.listen();
        const lost: string[] = [];
        for (const until = Date.now() + 10_000; Date.now() < until;) {
          lost.push(...(await markLostRuns(8)).lost);
          await new Promise((r) => setTimeout(r, 1000));
        }
        expect(lost).toEqual([]);
        worker = startWorker(false);
        const ended = await waitFor(
          "the run to end",
          async () => {
            const r = await runById(run.id);
            return ["queued", "running"].includes(r.status) ? null : r;
          },
          90_000,
        );
        expect({ status: ended.status, reason: ended.reason, attempt: ended.attempt }).toEqual({
          status: "passed",
          reason: null,
          attempt: 1,
        });
        // Its own verdict, not a lost attempt and a retry.
        expect(await db().run.count({ where: { lane } })).toBe(1);
        const printed = readFileSync(path.join(flagDir, `${lane}.out`));
        const stored = await readConsole(run.id, "harness", 0, 64 << 20);
        expect(stored.data.length).toBe(printed.length);
        expect(stored.data.equals(printed)).toBe(true);
        const figures = await db().runMetric.findMany({
          where: { runId: run.id },
          select: { name: true, value: true },
        });
        expect(figures).toEqual([{ name: "boot_seconds", value: 12.5 }]);
        const harness = await db().console.findFirstOrThrow({ where: { runId: run.id, name: "harness" } });
        expect({ closed: harness.closed, lines: harness.lines }).toEqual({
          closed: true,
          lines: printed.toString("latin1").split("\n").length,
        });
        // The worker says so (its log reaches this test a moment after the database has the run).
        await waitFor(
          "the worker's line about its predecessor's spool",
          async () =>
            workerLog.some(
              (l) =>
                l.includes("spool left by the previous worker") &&
                l.includes(run.id) &&
                l.includes("verdict passed stored"),
            ),
          10_000,
        );
        expect(workerLog.some((l) => l.includes("not stored: no such run") && l.includes(stranger.slice(0, 36)))).toBe(
          true,
        );
        expect(readdirSync(spoolDir)).toEqual([]);
      } catch (err) {
        console.error(`worker log (last 40 lines):\n${workerLog.slice(-40).join("\n")}`);
        throw err;
      } finally {
        await stopChild(worker);
        proxy.cut();
      }
    },
  );
});
