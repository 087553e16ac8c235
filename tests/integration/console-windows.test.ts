import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb, queryRows } from "@proofboard/db";
import { closeQueues } from "@proofboard/jobs";
import {
  appendChunk,
  consoleBytes,
  ensureRepository,
  followRun,
  openConsole,
  requestRun,
  runById,
  syncRepository,
  type FollowEvent,
} from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { catalogYaml, insertRun, makeRepo, resetDb, waitFor } from "./helpers";
import { operatorCaller } from "../support/callers";

/**
 * Large consoles read in parts (issue #12): the worker stores where each chunk stands in the
 * console's lines, so a page opens a console at its tail, or at any line or offset, and still
 * numbers its lines, without reading what comes before. Real worker, PostgreSQL and git.
 */
const caller = await operatorCaller("test");
let worker: RunningWorker;
let runId = "";
let whole = Buffer.alloc(0);

const newlinesIn = (b: Buffer) => {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
};

beforeAll(async () => {
  await resetDb();
  // ~4.7 MB: "line N" for N = 1..600000, with a line of invalid UTF-8 and escapes every 100,000.
  const script = `for i in $(seq 1 600000); do echo "line $i"; if (( i % 100000 == 0 )); then printf '\\xff\\x00\\033[31m%s\\033]0;t\\007\\r\\n' "$i"; fi; done`;
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([{ name: "big", command: ["bash", "-c", script] }]),
  });
  await syncRepository(await ensureRepository("itest", target.dir));
  worker = await startWorker({ hostName: "itest-host", control: false, slots: 1, log: () => undefined });
  runId = (await requestRun({ repository: "itest", branch: "main", lane: "big" })).id;
  await waitFor("the big lane to pass", async () => (await runById(runId)).status === "passed", 120_000);
  const parts: Buffer[] = [];
  for await (const b of consoleBytes(runId, "harness")) parts.push(b);
  whole = Buffer.concat(parts);
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

describe("console windows", () => {
  it("stores, with every chunk, the newlines before it", async () => {
    expect(whole.length).toBeGreaterThan(4_500_000);
    const rows = (await queryRows(
      `SELECT k."offset", k.newlines_before FROM console_chunk k JOIN console c ON c.id = k.console_id
       WHERE c.run_id = $1 AND c.name = 'harness' ORDER BY k."offset"`,
      [runId],
    )) as [string, string | null][];
    expect(rows.length).toBeGreaterThan(10);
    for (const [offset, newlines] of rows) expect(Number(newlines)).toBe(newlinesIn(whole.subarray(0, Number(offset))));
  });

  it("follows a console longer than the tail from the chunk where its tail begins, numbered", async () => {
    const tailBytes = 1 << 20;
    const events: FollowEvent[] = [];
    for await (const ev of followRun(runId, {}, undefined, { tailBytes })) events.push(ev);
    const start = events.find((e) => e.kind === "start" && e.console === "harness");
    if (start?.kind !== "start") throw new Error("no start event for the harness");
    expect(start.offset).toBeLessThanOrEqual(whole.length - tailBytes);
    expect(start.offset).toBeGreaterThan(whole.length - tailBytes - 300 * 1024);
    expect(start.newlinesBefore).toBe(newlinesIn(whole.subarray(0, start.offset)));
    const received = Buffer.concat(
      events.flatMap((e) => (e.kind === "bytes" && e.console === "harness" ? [e.data] : [])),
    );
    expect(received.equals(whole.subarray(start.offset))).toBe(true);

    // A caller that already has bytes resumes exactly where it stopped, tail or not.
    const resumed: Buffer[] = [];
    for await (const ev of followRun(runId, { harness: 1000 }, undefined, { tailBytes }))
      if (ev.kind === "bytes" && ev.console === "harness") resumed.push(ev.data);
      else expect(ev.kind).not.toBe("start");
    expect(Buffer.concat(resumed).equals(whole.subarray(1000))).toBe(true);
  });

  it("reads a window at a line or an offset, starting at a chunk with its newlines before", async () => {
    const atLine = await caller.consoles.window({ runId, console: "harness", at: { line: 250_123 } });
    const data = Buffer.from(atLine.data, "base64");
    expect(data.equals(whole.subarray(atLine.offset, atLine.offset + data.length))).toBe(true);
    expect(atLine.newlinesBefore).toBe(newlinesIn(whole.subarray(0, atLine.offset)));
    expect(atLine.newlinesBefore).toBeLessThan(250_123);
    expect(atLine.length).toBe(whole.length);
    // Line 250,123 of the console, counted from the window's own start: the invalid bytes of
    // lines 100,001 and 200,002 count as the lines they are.
    const lines = data.toString("latin1").split("\n");
    expect(lines[250_123 - atLine.newlinesBefore - 1]).toBe(whole.toString("latin1").split("\n")[250_122]);

    const atOffset = await caller.consoles.window({
      runId,
      console: "harness",
      at: { offset: 3_000_000 },
      maxBytes: 4096,
    });
    expect(atOffset.offset).toBeLessThanOrEqual(3_000_000);
    expect(atOffset.newlinesBefore).toBe(newlinesIn(whole.subarray(0, atOffset.offset)));
    expect(
      Buffer.from(atOffset.data, "base64").equals(
        whole.subarray(atOffset.offset, atOffset.offset + Buffer.from(atOffset.data, "base64").length),
      ),
    ).toBe(true);

    const past = await caller.consoles.window({ runId, console: "harness", at: { line: 9_999_999 } });
    expect(past.offset + Buffer.from(past.data, "base64").length).toBe(whole.length);
  });

  it("refuses hostile windows and stream options with a clear error, and reads consoles stored without newline counts from the start", async () => {
    await expect(caller.consoles.window({ runId, console: "../harness", at: { line: 1 } })).rejects.toThrow(
      /not a console name/,
    );
    await expect(caller.consoles.window({ runId, console: "node99", at: { line: 1 } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(caller.consoles.window({ runId, console: "harness", at: { line: 0 } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      caller.consoles.window({ runId, console: "harness", at: { offset: -5 }, maxBytes: 1 << 30 }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });

    // The stream's own options are checked before anything is read.
    const follow = async (input: object) => {
      for await (const _ of await caller.runs.follow({ id: runId, ...input })) break;
    };
    for (const tailBytes of [-1, 0, 1.5, 1 << 30, Number.NaN, "1e9"])
      await expect(follow({ tailBytes }), `tailBytes ${String(tailBytes)}`).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    await expect(follow({ skipBehind: "yes" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(follow({ lastEventId: "@".padEnd(5000, "x") })).rejects.toMatchObject({ code: "BAD_REQUEST" });

    // Chunks from before newline counts were kept: every part of such a console starts at byte 0.
    const repo = await db().repository.findFirstOrThrow({ where: { name: "itest" } });
    const old = await insertRun({
      repositoryId: repo.id,
      sha: (await runById(runId)).commitSha,
      lane: "big",
      status: "running",
      queuedAt: new Date(),
    });
    const id = await openConsole(old.id, "harness", "harness");
    await appendChunk({ runId: old.id, fence: old.fence }, id, 0, Buffer.from("a\nb\n"));
    await appendChunk({ runId: old.id, fence: old.fence }, id, 4, Buffer.from("c\nd\n"));
    const w = await caller.consoles.window({ runId: old.id, console: "harness", at: { line: 4 } });
    expect([w.offset, w.newlinesBefore, Buffer.from(w.data, "base64").toString()]).toEqual([0, 0, "a\nb\nc\nd\n"]);
  });
});
