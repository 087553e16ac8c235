import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleConsoleDownload } from "@proofboard/api";
import { db, disconnectDb, executeStatement, queryRows } from "@proofboard/db";
import { closeQueues } from "@proofboard/jobs";
import {
  appendChunk,
  compactConsole,
  compactFinishedConsoles,
  consoleAnchor,
  ConsoleDroppedError,
  consoleStorageByRun,
  dropExpiredConsoles,
  listConsoles,
  openConsole,
  readConsole,
  readConsoleById,
} from "@proofboard/services";
import { insertRun, resetDb } from "./helpers";

/**
 * Console storage kept in bounds (issue #12): chunks partitioned by the day their console expires,
 * retention dropping whole weekly partitions, and finished consoles printed in small chunks
 * compacted into ~1 MiB rows, read back byte for byte, with their lines still numbered and timed.
 */
const DAY = 86_400_000;
let repositoryId = "";

beforeAll(async () => {
  await resetDb();
  repositoryId = (await db().repository.create({ data: { name: "storage", url: "/nowhere" } })).id;
});

afterAll(async () => {
  await closeQueues();
  await disconnectDb();
});

async function runningRun(lane: string, retentionDays: number | null) {
  const run = await insertRun({ repositoryId, sha: "a".repeat(40), lane, status: "running", queuedAt: new Date() });
  await db().run.update({ where: { id: run.id }, data: { consoleRetentionDays: retentionDays } });
  return run;
}

/** Lines of hostile bytes: NUL, invalid UTF-8, escapes, carriage returns, some without a newline. */
function hostileLine(i: number): Buffer {
  const kinds = [
    Buffer.from(`[${i}] plain kernel line\n`),
    Buffer.concat([Buffer.from(`[${i}] `), Buffer.from([0, 0xff, 0xfe, 0x1b]), Buffer.from("[31mred\x1b]0;t\x07\r\n")]),
    Buffer.from(`progress ${i}%\r`),
    randomBytes(1 + (i % 40)),
  ];
  return kinds[i % kinds.length]!;
}

/** Appends the parts one chunk each, as a worker would, `stepMs` apart in storage time. */
async function appendAll(run: { id: string }, consoleId: string, parts: Buffer[], stepMs: number): Promise<Buffer> {
  let offset = 0;
  let newlines = 0;
  const t0 = Date.now() - parts.length * stepMs;
  for (const [i, part] of parts.entries()) {
    await appendChunk({ runId: run.id, fence: 0 }, consoleId, offset, part, new Date(t0 + i * stepMs), newlines);
    offset += part.length;
    newlines += part.filter((b) => b === 10).length;
  }
  return Buffer.concat(parts);
}

const partitionOf = async (consoleId: string) =>
  (
    (await queryRows(`SELECT DISTINCT tableoid::regclass::text FROM console_chunk WHERE console_id = $1`, [
      consoleId,
    ])) as [string][]
  ).map((r) => r[0]);

const newlinesIn = (b: Buffer) => b.filter((x) => x === 10).length;

function mondayOf(d: Date): string {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10).replaceAll("-", "");
}

describe("retention", () => {
  it("puts each console's chunks in its expiry week and drops whole weeks, keeping the runs", async () => {
    const short = await runningRun("short", 10);
    const long = await runningRun("long", 40);
    const kept = await runningRun("kept", null);
    const bytes = new Map<string, Buffer>();
    for (const run of [short, long, kept]) {
      const id = await openConsole(run.id, "harness");
      bytes.set(
        run.id,
        await appendAll(
          run,
          id,
          Array.from({ length: 30 }, (_, i) => hostileLine(i)),
          5,
        ),
      );
    }
    const consoleOf = async (runId: string) =>
      (await db().console.findUniqueOrThrow({ where: { runId_name: { runId, name: "harness" } } })).id;
    expect(await partitionOf(await consoleOf(short.id))).toEqual([
      `console_chunk_${mondayOf(new Date(Date.now() + 10 * DAY))}`,
    ]);
    expect(await partitionOf(await consoleOf(long.id))).toEqual([
      `console_chunk_${mondayOf(new Date(Date.now() + 40 * DAY))}`,
    ]);
    expect(await partitionOf(await consoleOf(kept.id))).toEqual(["console_chunk_kept"]);
    const sizes = await consoleStorageByRun([short.id, kept.id]);
    expect(sizes.get(short.id)?.expiresOn).toBe(new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10));
    expect(sizes.get(kept.id)?.expiresOn).toBeNull();

    // Nothing has expired yet; 20 days on, the short run's week has.
    expect((await dropExpiredConsoles(new Date())).map((d) => d.partition)).not.toContain(
      (await partitionOf(await consoleOf(short.id)))[0],
    );
    const shortPartition = (await partitionOf(await consoleOf(short.id)))[0]!;
    const dropped = await dropExpiredConsoles(new Date(Date.now() + 20 * DAY));
    expect(dropped.map((d) => d.partition)).toContain(shortPartition);
    expect(dropped.find((d) => d.partition === shortPartition)?.consoles).toBe(1);
    expect(await queryRows(`SELECT to_regclass($1)::text`, [shortPartition])).toEqual([[null]]);

    // The run, its console row and verdict stay; its bytes are gone, and every reader says why.
    const [harness] = await listConsoles(short.id);
    expect(harness?.droppedAt).not.toBeNull();
    expect(harness?.length).toBe(bytes.get(short.id)!.length);
    await expect(readConsole(short.id, "harness")).rejects.toThrow(ConsoleDroppedError);
    const download = await handleConsoleDownload(
      new Request(`http://localhost/api/runs/${short.id}/consoles/harness/raw`),
      short.id,
      "harness",
    );
    expect(download.status).toBe(410);
    expect(await download.text()).toMatch(/dropped on \d{4}-\d\d-\d\d by the lane's console retention/);
    expect((await consoleStorageByRun([short.id])).get(short.id)?.droppedAt).not.toBeNull();

    // The others are whole, byte for byte.
    for (const run of [long, kept])
      expect((await readConsole(run.id, "harness")).data.equals(bytes.get(run.id)!)).toBe(true);
  });

  it("makes a new week's partition once while many consoles of it open and append at once", async () => {
    // 500 days on: a week no console has reached yet, so its partition is made under this load.
    const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => runningRun(`burst-${i}`, 500)));
    const written = await Promise.all(
      runs.flatMap((run) =>
        ["harness", "node01"].map(async (name) => {
          const id = await openConsole(run.id, name);
          return {
            id,
            bytes: await appendAll(
              run,
              id,
              Array.from({ length: 20 }, (_, i) => hostileLine(i)),
              1,
            ),
          };
        }),
      ),
    );
    const week = `console_chunk_${mondayOf(new Date(Date.now() + 500 * DAY))}`;
    for (const { id, bytes } of written) {
      expect(await partitionOf(id)).toEqual([week]);
      expect((await readConsoleById(id, 0, 1 << 20)).data.equals(bytes)).toBe(true);
    }
  });

  it("refuses an expiry outside what a lane may ask, and a chunk in another console's week", async () => {
    await expect(queryRows(`SELECT console_chunk_partition(current_date + 5000)`, [])).rejects.toThrow(
      /outside the retention a lane may ask for/,
    );
    const run = await runningRun("mismatch", 10);
    const id = await openConsole(run.id, "harness");
    await expect(
      executeStatement(
        `INSERT INTO console_chunk (console_id, expires_on, "offset", length, data) VALUES ($1, '9999-12-31', 0, 1, 'x')`,
        [id],
      ),
    ).rejects.toThrow(/console_chunk_console_fkey/);
  });
});

describe("compaction", () => {
  it("rewrites a finished console of small chunks as ~1 MiB rows, byte-exact, lines numbered and timed", async () => {
    const run = await runningRun("trickle", 30);
    const id = await openConsole(run.id, "node01");
    // ~2.5 MB in 4,000 chunks of a few dozen lines each: rows of ~1 MiB, anchors counted inside them
    const part = (i: number) => Buffer.concat(Array.from({ length: 24 }, (_, j) => hostileLine(i * 24 + j)));
    const whole = await appendAll(
      run,
      id,
      Array.from({ length: 4000 }, (_, i) => part(i)),
      7,
    );
    expect(whole.length).toBeGreaterThan(2 << 20);
    const before = await readConsoleById(id, 0, whole.length + 1);
    expect(before.data.equals(whole)).toBe(true);

    // A running run is never compacted: its worker still appends.
    await compactFinishedConsoles(100, 0);
    expect((await db().console.findUniqueOrThrow({ where: { id } })).compactedAt).toBeNull();
    await db().run.update({
      where: { id: run.id },
      data: { status: "passed", finishedAt: new Date(Date.now() - 120_000) },
    });
    const result = await compactFinishedConsoles(100, 60);
    expect(result.consoles).toBeGreaterThanOrEqual(1);
    const rows = (await queryRows(`SELECT count(*)::int FROM console_chunk WHERE console_id = $1`, [id])) as [number][];
    expect(rows[0]![0]).toBeLessThanOrEqual(Math.ceil(whole.length / (1 << 20)) + 1);

    const after = await readConsoleById(id, 0, whole.length + 1);
    expect(after.data.equals(whole)).toBe(true);
    for (const from of [0, 1, 777, 65_537, Math.floor(whole.length / 2), whole.length - 3])
      expect(
        (await readConsoleById(id, from, 5000)).data.subarray(0, 100).equals(whole.subarray(from, from + 100)),
      ).toBe(true);
    // Times: every kept mark is one the worker stored, at most one per 100 ms of storage time is dropped.
    const stored = new Map(before.marks.map(([o, t]) => [o, t]));
    expect(after.marks[0]).toEqual(before.marks[0]);
    for (const [o, t] of after.marks) expect(Math.abs(stored.get(o)! - t), `mark at ${o}`).toBeLessThanOrEqual(1);
    let k = 0;
    for (const [o, t] of before.marks) {
      while (k + 1 < after.marks.length && after.marks[k + 1]![0] <= o) k++;
      expect(t - after.marks[k]![1], `time at ${o}`).toBeLessThan(100 + 7);
    }
    // Anchors land near what was asked, not a row's start, and number the lines right.
    for (const offset of [10, 300_000, whole.length - 1000]) {
      const a = await consoleAnchor(id, { offset });
      expect(offset - a.offset).toBeLessThanOrEqual(256 * 1024);
      expect(a.newlinesBefore).toBe(newlinesIn(whole.subarray(0, a.offset)));
    }
    const total = newlinesIn(whole);
    for (const line of [1, Math.floor(total / 2), total]) {
      const a = await consoleAnchor(id, { line });
      expect(a.newlinesBefore).toBe(newlinesIn(whole.subarray(0, a.offset)));
      expect(a.newlinesBefore).toBeLessThanOrEqual(line - 1);
      expect(newlinesIn(whole.subarray(a.offset, a.offset + 256 * 1024 + 1))).toBeGreaterThanOrEqual(
        line - 1 - a.newlinesBefore,
      );
    }
    const measured = await db().console.findUniqueOrThrow({ where: { id } });
    expect(Number(measured.storedBytes)).toBeGreaterThan(0);
    expect(await compactConsole(id)).toBeNull(); // done once
  });

  it("never merges across a hole, keeps dense consoles as they are, and compacts one console once under a race", async () => {
    const run = await runningRun("holes", null);
    const holed = await openConsole(run.id, "holed");
    const first = await appendAll(
      run,
      holed,
      Array.from({ length: 200 }, (_, i) => hostileLine(i)),
      3,
    );
    // a chunk stored past the end (as an older, broken write could leave): the hole stays a hole
    await executeStatement(
      `INSERT INTO console_chunk (console_id, expires_on, "offset", length, data)
       SELECT id, expires_on, $2, 5, 'later' FROM console WHERE id = $1`,
      [holed, first.length + 100],
    );
    const dense = await openConsole(run.id, "dense");
    const big = await appendAll(
      run,
      dense,
      [randomBytes(200_000), randomBytes(200_000), Buffer.alloc(200_000, 65)],
      10,
    );
    const raced = await openConsole(run.id, "raced");
    const racedBytes = await appendAll(
      run,
      raced,
      Array.from({ length: 500 }, (_, i) => hostileLine(i)),
      3,
    );
    await db().run.update({
      where: { id: run.id },
      data: { status: "failed", finishedAt: new Date(Date.now() - 120_000) },
    });

    await compactConsole(holed);
    expect((await readConsoleById(holed, 0, 10 << 20)).data.equals(first)).toBe(true);
    expect((await readConsoleById(holed, first.length + 100, 10)).data.toString()).toBe("later");

    expect(await compactConsole(dense)).toEqual({ rowsBefore: 3, rowsAfter: 3 });
    expect((await readConsoleById(dense, 0, 10 << 20)).data.equals(big)).toBe(true);

    const outcomes = await Promise.all([compactConsole(raced), compactConsole(raced), compactConsole(raced)]);
    expect(outcomes.filter((o) => o !== null)).toHaveLength(1);
    expect((await readConsoleById(raced, 0, 10 << 20)).data.equals(racedBytes)).toBe(true);
  });
});
