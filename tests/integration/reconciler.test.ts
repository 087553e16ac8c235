import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues, knownRunJobIds, laneQueue } from "@proofboard/jobs";
import {
  AUTOMATIC_RETRY,
  claimRun,
  ensureRepository,
  reconcile,
  registerHost,
  requestRun,
  syncRepository,
} from "@proofboard/services";
import { catalogYaml, makeRepo, resetDb } from "./helpers";

/** Postgres is the truth: the reconciler repairs what Redis or a dead host left behind. No worker runs here. */
beforeAll(async () => {
  await resetDb();
  const target = makeRepo({ "proofboard.yaml": catalogYaml([{ name: "hello", command: ["true"] }]) });
  await syncRepository(await ensureRepository("recon", target.dir));
  await laneQueue("tcg").obliterate({ force: true });
});

afterAll(async () => {
  await laneQueue("tcg").obliterate({ force: true });
  await closeQueues();
  await disconnectDb();
});

describe("reconciler", () => {
  it("puts back a queued run whose job Redis lost", async () => {
    const run = await requestRun({ repository: "recon", branch: "main", lane: "hello" });
    expect((await knownRunJobIds()).has(run.id)).toBe(true);
    await laneQueue("tcg").obliterate({ force: true }); // as after a Redis flush
    expect((await knownRunJobIds()).has(run.id)).toBe(false);

    const result = await reconcile(30);
    expect(result.requeued).toEqual([run.id]);
    expect((await knownRunJobIds()).has(run.id)).toBe(true);
    expect((await reconcile(30)).requeued).toEqual([]);
  });

  it("marks a running run lost when its host stops heartbeating, and retries it on the same commit", async () => {
    await laneQueue("tcg").obliterate({ force: true });
    await db().run.deleteMany();
    const host = await registerHost({ name: "dead-host", classes: ["tcg"], capabilities: {}, slots: 1 });
    const run = await requestRun({ repository: "recon", branch: "main", lane: "hello" });
    const claim = await claimRun(run.id, host.id, {});
    expect(claim?.fence).toBe(1);
    await db().host.update({ where: { id: host.id }, data: { lastHeartbeatAt: new Date(Date.now() - 120_000) } });

    const result = await reconcile(30);
    expect(result.lost).toEqual([run.id]);
    const lost = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(lost.status).toBe("lost");
    expect(lost.failureKind).toBe("infrastructure");
    expect(lost.reason).toContain("dead-host");

    expect(result.retried).toHaveLength(1);
    const retry = await db().run.findUniqueOrThrow({ where: { id: result.retried[0]! } });
    expect(retry).toMatchObject({
      status: "queued",
      commitSha: run.commitSha,
      attempt: 2,
      previousRunId: run.id,
      requestedBy: AUTOMATIC_RETRY,
    });
    // The lost run's page links its retry.
    const { runSurroundings } = await import("@proofboard/services");
    expect((await runSurroundings(lost)).next).toMatchObject({
      id: retry.id,
      attempt: 2,
      status: "queued",
      trigger: "retry",
    });
    expect((await runSurroundings(retry)).next).toBeNull();

    // A retry that is lost too is retried again, backed off (the bound: infrastructure-retries.test.ts).
    const claim2 = await claimRun(retry.id, host.id, {});
    expect(claim2).not.toBeNull();
    const again = await reconcile(30);
    expect(again.lost).toEqual([retry.id]);
    expect(again.retried).toHaveLength(1);
    expect((await db().run.findUniqueOrThrow({ where: { id: again.retried[0]! } })).reason).toMatch(
      /^automatic retry 2 of 3 .*; starts in 30 s$/,
    );
  });

  it("a worker restarting under the same host name marks what its predecessor left running as lost", async () => {
    await db().run.deleteMany();
    const host = await registerHost({ name: "phoenix", classes: ["tcg"], capabilities: {}, slots: 1 });
    const run = await requestRun({ repository: "recon", branch: "main", lane: "hello" });
    expect(await claimRun(run.id, host.id, {})).not.toBeNull();
    await registerHost({ name: "phoenix", classes: ["tcg"], capabilities: {}, slots: 1 });
    const lost = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(lost).toMatchObject({
      status: "lost",
      failureKind: "infrastructure",
      reason: "host phoenix restarted while the lane ran",
    });
    expect(await db().run.count({ where: { previousRunId: run.id, requestedBy: AUTOMATIC_RETRY } })).toBe(1);
  });

  it("a run still running long past its timeout is lost even while its host heartbeats", async () => {
    await db().run.deleteMany();
    const host = await registerHost({ name: "busy-host", classes: ["tcg"], capabilities: {}, slots: 1 });
    const run = await requestRun({ repository: "recon", branch: "main", lane: "hello" });
    await claimRun(run.id, host.id, {});
    await db().run.update({ where: { id: run.id }, data: { startedAt: new Date(Date.now() - (60 + 121) * 1000) } });
    const result = await reconcile(30);
    expect(result.lost).toEqual([run.id]);
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).reason).toContain(
      "never reported the end of the lane",
    );
  });

  it("a second rerun of a lane already queued on the commit returns the queued run", async () => {
    await db().run.deleteMany();
    const a = await requestRun({ repository: "recon", branch: "main", lane: "hello" });
    const b = await requestRun({ repository: "recon", branch: "main", lane: "hello" });
    expect(b.id).toBe(a.id);
    expect(await db().run.count()).toBe(1);
  });

  it("refuses a stale attempt's writes once the run was taken again", async () => {
    await db().run.deleteMany();
    const host = await registerHost({ name: "live-host", classes: ["tcg"], capabilities: {}, slots: 1 });
    const run = await requestRun({ repository: "recon", branch: "main", lane: "hello" });
    const first = await claimRun(run.id, host.id, {});
    // A second claim of a running run is refused: only queued runs can be taken.
    expect(await claimRun(run.id, host.id, {})).toBeNull();
    // Simulate the run being handed out again (fence bumped); the first attempt is now stale.
    await db().$executeRaw`UPDATE run SET fence = fence + 1 WHERE id = ${run.id}::uuid`;
    const { appendChunk, openConsole, finishRun, FencedOut } = await import("@proofboard/services");
    const consoleId = await openConsole(run.id, "harness");
    await expect(
      appendChunk({ runId: run.id, fence: first!.fence }, consoleId, 0, Buffer.from("late")),
    ).rejects.toBeInstanceOf(FencedOut);
    expect(
      await finishRun(
        { runId: run.id, fence: first!.fence },
        { status: "passed", failureKind: null, exitCode: 0, reason: null },
      ),
    ).toBe(false);
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).status).toBe("running");
    await appendChunk({ runId: run.id, fence: first!.fence + 1 }, consoleId, 0, Buffer.from("ok"));
    // Stored byte-exact (NUL, invalid UTF-8, escapes, a backslash-x and a quote) with the time it was given.
    const at = new Date("2026-03-29T01:30:00.123Z");
    const hostile = Buffer.from([0, 0xff, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0x5c, 0x78, 0x27]);
    await appendChunk({ runId: run.id, fence: first!.fence + 1 }, consoleId, 2, hostile, at);
    const { readConsole } = await import("@proofboard/services");
    const slice = await readConsole(run.id, "harness", 0);
    expect(slice.data.equals(Buffer.concat([Buffer.from("ok"), hostile]))).toBe(true);
    expect(slice.marks.at(-1)).toEqual([2, at.getTime()]);
    // A chunk that does not start at the console's end is refused too: no holes, no overlaps.
    await expect(
      appendChunk({ runId: run.id, fence: first!.fence + 1 }, consoleId, 5, Buffer.from("gap")),
    ).rejects.toBeInstanceOf(FencedOut);
  });
});
