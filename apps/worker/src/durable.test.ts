import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RunStorage, StorageGaveUp } from "./durable";
import { readSpoolRecords, SpoolBudget, SpoolFull } from "./spool";
import type { SpoolRecord } from "./spool-records";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Records the live stream's entries; the notices are what is under test, not Redis. */
function storage(budget?: SpoolBudget) {
  const spoolDir = mkdtempSync(path.join(os.tmpdir(), "pb-durable-"));
  dirs.push(spoolDir);
  const notices: (string | null)[] = [];
  const redis = {
    xadd: (...args: string[]) => {
      if (args[3] === "buffering") notices.push(args[7] === "" ? null : args[7]!);
      return Promise.resolve("1-0");
    },
  } as unknown as Redis;
  const s = new RunStorage({ runId: "r1", fence: 1, redis, spoolDir, host: "h1", budget, log: () => undefined });
  return { s, notices, spoolDir };
}

/** What the bytes are does not matter here; spool-replay.test.ts reads records back. */
const CHUNK: SpoolRecord = {
  t: "chunk",
  console: "harness",
  kind: "harness",
  expectedFrom: null,
  offset: 0,
  at: new Date(0).toISOString(),
  newlinesBefore: 0,
  markers: [],
};

const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

describe("RunStorage", () => {
  it("makes a write again while PostgreSQL is unreachable, spools meanwhile and withdraws the notice once all is stored", async () => {
    const { s, notices, spoolDir } = storage();
    let calls = 0;
    const agains: boolean[] = [];
    const write = s.write("verdict", async (again) => {
      agains.push(again);
      if (++calls < 3) throw refused();
      return "landed";
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(s.buffering).toBe(true);
    const kept = s.keep(CHUNK, Buffer.from([0, 0xff, 0x1b, 0x5b]));
    expect(s.spooledBytes).toBe(4);
    expect((await kept.read()).equals(Buffer.from([0, 0xff, 0x1b, 0x5b]))).toBe(true);
    expect(readdirSync(spoolDir)).toEqual(["r1-1.spool"]);
    expect(await write).toBe("landed");
    expect(agains).toEqual([false, true, true]);
    kept.release();
    expect(s.buffering).toBe(false);
    expect(notices[0]).toBe("0");
    expect(notices.at(-1)).toBeNull();
    await s.close();
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it("keeps bytes in memory while the database answers, and throws its other answers at once", async () => {
    const { s, notices, spoolDir } = storage();
    const kept = s.keep(CHUNK, Buffer.from("in memory"));
    expect(s.spooledBytes).toBe(0);
    expect(readdirSync(spoolDir)).toEqual([]);
    kept.release();
    await expect(
      s.write("x", () => Promise.reject(new Error("duplicate key value violates unique constraint"))),
    ).rejects.toThrow(/duplicate/);
    expect(notices).toEqual([]);
  });

  it("says so when the worker's spool is full, never dropping bytes quietly", async () => {
    const { s } = storage(new SpoolBudget(8));
    const stop = new AbortController();
    s.stopWhen(stop.signal);
    const write = s.write("verdict", () => Promise.reject(refused())).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 20));
    s.keep(CHUNK, Buffer.alloc(8));
    expect(() => s.keep(CHUNK, Buffer.alloc(1))).toThrow(SpoolFull);
    expect(() => s.keep(CHUNK, Buffer.alloc(1))).toThrow(/while PostgreSQL was unreachable/);
    expect(await s.whenFull).toBeInstanceOf(SpoolFull);
    stop.abort();
    expect(await write).toBeInstanceOf(StorageGaveUp);
    await s.close();
  });

  it("asks paused sources to wait while storage is behind, and to go on once it caught up", async () => {
    const { s } = storage(new SpoolBudget(64 << 20));
    const kept = Array.from({ length: 8 }, () => s.keep(CHUNK, Buffer.alloc(1 << 20)));
    expect(s.saturated).toBe(true);
    let relieved = false;
    const relief = s.whenRelieved().then(() => (relieved = true));
    for (const k of kept.slice(0, 5)) k.release();
    await new Promise((r) => setTimeout(r, 10));
    expect({ relieved, saturated: s.saturated }).toEqual({ relieved: false, saturated: true });
    kept[5]!.release();
    await relief;
    expect(s.saturated).toBe(false);
    for (const k of kept.slice(6)) k.release();
    await s.close();
  });

  it("lets the lane run on the spool while PostgreSQL is away, until most of the worker's spool is used", async () => {
    const { s } = storage(new SpoolBudget(16 << 20));
    const write = s.write("verdict", () => Promise.reject(refused())).catch(() => undefined);
    const stop = new AbortController();
    s.stopWhen(stop.signal);
    await new Promise((r) => setTimeout(r, 20));
    const kept = Array.from({ length: 11 }, () => s.keep(CHUNK, Buffer.alloc(1 << 20)));
    expect({ spooled: s.spooledBytes, saturated: s.saturated }).toEqual({ spooled: 11 << 20, saturated: false });
    kept.push(s.keep(CHUNK, Buffer.alloc(1 << 20)));
    expect(s.saturated).toBe(true);
    // The worker stops: nothing may keep waiting for storage that will not come.
    const relief = s.whenRelieved();
    stop.abort();
    await relief;
    await write;
    await s.close();
  });

  it("names the cause when the spool fills while PostgreSQL answers", () => {
    const { s } = storage(new SpoolBudget(9 << 20));
    s.keep(CHUNK, Buffer.alloc(8 << 20));
    expect(() => s.keep(CHUNK, Buffer.alloc(10 << 20))).toThrow(/printed faster than PostgreSQL stored/);
  });

  it("gives a waiting write up when the worker stops", async () => {
    const { s } = storage();
    const stop = new AbortController();
    s.stopWhen(stop.signal);
    const write = s.write("verdict", () => Promise.reject(refused()));
    setTimeout(() => stop.abort(), 50);
    await expect(write).rejects.toThrow(StorageGaveUp);
    await s.close();
  });

  it("moves what waits in memory to the spool file once PostgreSQL is unreachable, and leaves the file when writes are given up", async () => {
    const { s, spoolDir } = storage();
    const early = Buffer.from([0, 0xff, 0x1b, 0x5b, 0x0a]);
    s.keep({ ...CHUNK, offset: 0 }, early);
    const verdict: SpoolRecord = {
      t: "verdict",
      outcome: { status: "passed", failureKind: null, exitCode: 0, reason: null },
      metrics: [],
      repositoryId: "repo",
      commitSha: "c".repeat(40),
    };
    s.keep(verdict);
    expect(readdirSync(spoolDir)).toEqual([]);
    const stop = new AbortController();
    s.stopWhen(stop.signal);
    const write = s.write("console harness", () => Promise.reject(refused()));
    await new Promise((r) => setTimeout(r, 50));
    const late = Buffer.from("late\r\n");
    s.keep({ ...CHUNK, offset: early.length }, late).release();
    stop.abort();
    await expect(write).rejects.toThrow(StorageGaveUp);
    await s.close();
    // The early bytes and the verdict were never stored: the file keeps them, in memory when the outage
    // began yet written now. The late bytes were (released), but the file only starts over once nothing in
    // it is owed: the next worker finds them stored and skips them.
    const file = path.join(spoolDir, "r1-1.spool");
    const back = await readSpoolRecords(file);
    expect(back.map((r) => r.record.t)).toEqual(["chunk", "verdict", "chunk"]);
    expect(Buffer.concat(back.map((r) => r.data)).equals(Buffer.concat([early, late]))).toBe(true);
  });
});
