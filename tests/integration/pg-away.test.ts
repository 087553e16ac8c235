import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext } from "@proofboard/api";
import { disconnectDb } from "@proofboard/db";
import { repoRoot } from "@proofboard/env";
import { closeQueues, createRedis, decodeLiveEntries, liveKey, type LiveEvent } from "@proofboard/jobs";
import {
  ensureRepository,
  followRun,
  readConsole,
  requestRun,
  runById,
  syncRepository,
  type FollowEvent,
} from "@proofboard/services";
import { PgProxy } from "../support/pg-proxy";
import { catalogYaml, makeRepo, resetDb, waitFor } from "./helpers";
import { stopChild } from "../support/processes";

/**
 * PostgreSQL goes away mid-run, for real: the worker (a child process, as in production) reaches the
 * database through a TCP proxy this test owns; the proxy drops every connection and refuses new
 * ones for PB_PG_AWAY_SECONDS (default 20; a fault suite runs 60), then lets them through again.
 * The lane keeps printing; the stored console must come out byte for byte.
 */
const AWAY_SECONDS = Number(process.env.PB_PG_AWAY_SECONDS ?? 20);
const INTERVAL_MS = 50;
/** the lane prints for about this long: some bytes before the cut, through it, and after */
const LANE_SECONDS = AWAY_SECONDS + 12;
const LINES = Math.round((LANE_SECONDS * 1000) / INTERVAL_MS);
/** every line carries NUL, invalid UTF-8, a multibyte char and escape sequences */
const TAIL = Buffer.concat([
  Buffer.from([0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28]),
  Buffer.from(" € \x1b[31mred\x1b[0m\x1b]0;title\x07\r\n"),
]);
const line = (i: number) => Buffer.concat([Buffer.from(`line ${i} `), TAIL]);
const EXPECTED = Buffer.concat(Array.from({ length: LINES }, (_, i) => line(i)));
const laneScript = `const tail = Buffer.from(${JSON.stringify(TAIL.toString("base64"))}, "base64");
let i = 0;
const tick = () => {
  if (i === ${LINES}) return;
  process.stdout.write(Buffer.concat([Buffer.from("line " + i + " "), tail]), () => { i++; setTimeout(tick, ${INTERVAL_MS}); });
};
tick();
`;

const dbUrl = new URL(process.env.DATABASE_URL!);
const proxy = new PgProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
const dataDir = path.join(process.env.PROOFBOARD_DATA_DIR!, "pg-away");
const hostName = "pg-away-host";
let worker: ChildProcess | undefined;
const workerLog: string[] = [];

beforeAll(async () => {
  await resetDb();
  await proxy.listen();
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "steady", command: ["node", "lanes/steady.cjs"], timeoutSeconds: LANE_SECONDS * 4 },
    ]),
    "lanes/steady.cjs": laneScript,
  });
  await syncRepository(await ensureRepository("itest", target.dir));
  const viaProxy = new URL(dbUrl);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  worker = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), ["apps/worker/src/main.ts"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: viaProxy.toString(),
      PROOFBOARD_DATA_DIR: dataDir,
      PROOFBOARD_HOST_NAME: hostName,
      PROOFBOARD_WORKER_SLOTS: "1",
      PROOFBOARD_LOG_FORMAT: "text",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [worker.stdout!, worker.stderr!]) {
    stream.on("data", (d: Buffer) => workerLog.push(...d.toString().split("\n").filter(Boolean)));
  }
}, 120_000);

afterAll(async () => {
  await stopChild(worker);
  proxy.cut();
  await closeQueues();
  await disconnectDb();
});

async function liveEvents(runId: string): Promise<{ id: string; event: LiveEvent }[]> {
  const redis = createRedis();
  try {
    return decodeLiveEntries(await redis.xrangeBuffer(liveKey(runId), "-", "+"));
  } finally {
    redis.disconnect();
  }
}

describe("PostgreSQL away mid-run", () => {
  it(
    `keeps the lane running for ${AWAY_SECONDS} s without the database and stores its console byte for byte`,
    { timeout: (LANE_SECONDS * 4 + 120) * 1000 },
    async () => {
      try {
        const run = await requestRun({ repository: "itest", branch: "main", lane: "steady" });
        await waitFor(
          "the lane's first stored bytes",
          async () => {
            const r = await runById(run.id);
            return r.status === "running" && (await readConsole(run.id, "harness").catch(() => null))?.data.length;
          },
          60_000,
        );

        // What the run page's stream gets (its own database connection is not cut).
        const followed: FollowEvent[] = [];
        const following = (async () => {
          for await (const ev of followRun(run.id, {})) followed.push(ev);
        })();

        const cutAt = Date.now();
        proxy.cut();
        // The hosts page: silent in PostgreSQL past the host timeout, yet alive (over Redis) and spooling.
        const hostsApi = appRouter.createCaller(await createContext()).hosts;
        let seen: unknown = "no answer yet";
        const cutOff = await waitFor(
          "the hosts page to show the worker cut off from the database",
          async () => {
            const row = (await hostsApi.list()).find((h) => h.name === hostName);
            seen = row && { ...row, now: new Date().toISOString() };
            return row?.databaseUnreachable && row.spooledBytes > 0 ? row : null;
          },
          (AWAY_SECONDS - 1) * 1000,
        ).catch((err: Error) => {
          throw new Error(`${err.message}; it last said ${JSON.stringify(seen)}`);
        });
        expect(cutOff.online).toBe(true);
        expect(cutOff.running).toHaveLength(1);
        await new Promise((r) => setTimeout(r, Math.max(0, cutAt + AWAY_SECONDS * 1000 - Date.now())));
        const restoredAt = Date.now();
        const during = await liveEvents(run.id);
        await proxy.listen();

        // Watchers kept seeing bytes while the database was away, and the worker said it was buffering.
        const liveDuring = during.filter(
          (e) => e.event.type === "chunk" && e.event.at > cutAt + 1000 && e.event.at < restoredAt,
        );
        expect(liveDuring.length).toBeGreaterThan(0);
        const buffering = during.filter((e) => e.event.type === "buffering");
        expect(buffering.length).toBeGreaterThan(0);
        expect(buffering.at(-1)!.event).toMatchObject({ type: "buffering", host: hostName });
        expect((buffering.at(-1)!.event as { spooledBytes: number | null }).spooledBytes).toBeGreaterThan(0);

        const ended = await waitFor(
          "the run to end",
          async () => {
            const r = await runById(run.id);
            return ["queued", "running"].includes(r.status) ? null : r;
          },
          (LANE_SECONDS * 3 + 60) * 1000,
        );
        expect({ status: ended.status, reason: ended.reason }).toEqual({ status: "passed", reason: null });
        const stored = await readConsole(run.id, "harness", 0, 64 << 20);
        expect(stored.data.length).toBe(EXPECTED.length);
        expect(stored.data.equals(EXPECTED)).toBe(true);

        // Once everything was stored the notice was withdrawn, before the final status; the spool file is gone.
        // The verdict is published to watchers just after it is stored, so wait for it on the stream.
        const after = await waitFor(
          "the final status on the live stream",
          async () => {
            const events = (await liveEvents(run.id)).map((e) => e.event);
            return events.some((e) => e.type === "status" && e.status === "passed") ? events : null;
          },
          10_000,
        );
        const drained = after.findIndex((e) => e.type === "buffering" && e.spooledBytes === null);
        const final = after.findIndex((e) => e.type === "status" && e.status === "passed");
        expect(drained).toBeGreaterThan(-1);
        expect(drained).toBeLessThan(final);
        await waitFor(
          "the hosts page to show the worker back, its spool empty",
          async () => {
            const h = (await hostsApi.list()).find((x) => x.name === hostName);
            return h?.online && !h.databaseUnreachable && h.spooledBytes === 0;
          },
          10_000,
        );
        // A structured line, with the run and attempt as fields like every other line about the run.
        expect(workerLog.find((l) => l.includes("PostgreSQL unreachable"))).toMatch(
          new RegExp(`(?=.*\\brunId=${run.id}\\b)(?=.*\\battempt=1\\b)`),
        );
        expect(workerLog.some((l) => l.includes("PostgreSQL reachable again"))).toBe(true);
        await following;
        const notices = followed.filter((e) => e.kind === "buffering");
        expect(notices[0]).toMatchObject({ host: hostName });
        expect(notices.at(-1)).toMatchObject({ spooledBytes: null });
        const fromFollow = Buffer.concat(followed.flatMap((e) => (e.kind === "bytes" ? [e.data] : [])));
        expect(fromFollow.equals(EXPECTED)).toBe(true);
        const spoolDir = path.join(dataDir, "worker", hostName, "spool");
        // removed just after the verdict is stored
        await waitFor(
          "the spool file to go",
          async () => !existsSync(spoolDir) || readdirSync(spoolDir).length === 0,
          10_000,
        );
      } catch (err) {
        console.error(`worker log (last 40 lines):\n${workerLog.slice(-40).join("\n")}`);
        throw err;
      }
    },
  );
});
