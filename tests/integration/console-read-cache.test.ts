import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "@proofboard/db";
import { appendChunk, ensureRepository, openConsole, readConsoleShared } from "@proofboard/services";
import { insertRun, resetDb } from "./helpers";

/**
 * Followers who join a flowing console together share their reads of what came before them
 * (issue #12): one query and one Buffer for all, never a stale "nothing more" (real PostgreSQL).
 */
let claim = { runId: "", fence: 0 };
let consoleId = "";
const first = Buffer.from("first chunk\n\u0000\xff\x1b[31m", "latin1");
const second = Buffer.from("second chunk\n", "latin1");

beforeAll(async () => {
  await resetDb();
  const repo = await ensureRepository("read-cache", "/nonexistent");
  const run = await insertRun({
    repositoryId: repo.id,
    sha: "b".repeat(40),
    lane: "l",
    status: "running",
    queuedAt: new Date(),
  });
  claim = { runId: run.id, fence: run.fence };
  consoleId = await openConsole(run.id, "harness");
});

afterAll(async () => {
  await disconnectDb();
});

describe("shared console reads", () => {
  it("never keeps a read that found nothing, so a reader sees bytes stored right after", async () => {
    expect((await readConsoleShared(consoleId, 0, 1 << 20)).data.length).toBe(0);
    await appendChunk(claim, consoleId, 0, first);
    expect((await readConsoleShared(consoleId, 0, 1 << 20)).data.equals(first)).toBe(true);
  });

  it("gives readers of the same part the same Buffer, and a short read's reader the rest from its end", async () => {
    const [a, b] = await Promise.all([
      readConsoleShared(consoleId, 0, 1 << 20),
      readConsoleShared(consoleId, 0, 1 << 20),
    ]);
    expect(a.data).toBe(b.data);
    expect((await readConsoleShared(consoleId, 0, 1 << 20)).data).toBe(a.data);
    await appendChunk(claim, consoleId, first.length, second);
    // The kept read ends where the console ended then; what follows is read from there.
    const again = await readConsoleShared(consoleId, 0, 1 << 20);
    const rest = await readConsoleShared(consoleId, again.offset + again.data.length, 1 << 20);
    expect(Buffer.concat([again.data, rest.data]).equals(Buffer.concat([first, second]))).toBe(true);
    // Another part of the console is its own read.
    const tail = await readConsoleShared(consoleId, 6, 1 << 20);
    expect(tail.data.equals(Buffer.concat([first, second]).subarray(6))).toBe(true);
  });
});
