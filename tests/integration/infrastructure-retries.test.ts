import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues, laneQueue } from "@proofboard/jobs";
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
import { operatorCaller } from "../support/callers";

/**
 * Infrastructure faults retry by themselves a bounded number of times, backed off: at once, then
 * after 30 s and 120 s (BullMQ delays), each retry saying which it is; the fourth fault in a row is
 * not retried. No worker runs: the test claims each run itself and lets its host go silent.
 */
const caller = await operatorCaller("test");

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({ "proofboard.yaml": catalogYaml([{ name: "hello", command: ["true"] }]) });
  await syncRepository(await ensureRepository("retries", target.dir));
  await laneQueue("tcg").obliterate({ force: true });
});

afterAll(async () => {
  await laneQueue("tcg").obliterate({ force: true });
  await closeQueues();
  await disconnectDb();
});

/** Claims the run on a host that then stops heartbeating; the reconciler marks it lost. */
async function loseRun(runId: string, hostId: string): Promise<string[]> {
  expect(await claimRun(runId, hostId, {})).not.toBeNull();
  await db().host.update({ where: { id: hostId }, data: { lastHeartbeatAt: new Date(Date.now() - 120_000) } });
  const result = await reconcile(30);
  expect(result.lost).toEqual([runId]);
  return result.retried;
}

describe("automatic retries after infrastructure faults", () => {
  it("retries three faults in a row with growing delays and the fourth not at all", async () => {
    const host = await registerHost({ name: "flaky-host", classes: ["tcg"], capabilities: {}, slots: 1 });
    const first = await requestRun({ repository: "retries", branch: "main", lane: "hello" });

    const seen: { attempt: number; delay: number; state: string; reason: string | null }[] = [];
    let current = first.id;
    for (let i = 0; i < 3; i++) {
      const retried = await loseRun(current, host.id);
      expect(retried).toHaveLength(1);
      const retry = await db().run.findUniqueOrThrow({ where: { id: retried[0]! } });
      expect(retry).toMatchObject({
        status: "queued",
        commitSha: first.commitSha,
        previousRunId: current,
        requestedBy: AUTOMATIC_RETRY,
        trigger: "retry",
      });
      const job = await laneQueue("tcg").getJob(retry.id);
      seen.push({
        attempt: retry.attempt,
        delay: job?.delay ?? -1,
        state: (await job?.getState()) ?? "none",
        reason: retry.reason,
      });
      current = retry.id;
    }
    expect(seen).toEqual([
      { attempt: 2, delay: 0, state: "waiting", reason: "automatic retry 1 of 3 after an infrastructure fault" },
      {
        attempt: 3,
        delay: 30_000,
        state: "delayed",
        reason: "automatic retry 2 of 3 after an infrastructure fault; starts in 30 s",
      },
      {
        attempt: 4,
        delay: 120_000,
        state: "delayed",
        reason: "automatic retry 3 of 3 after an infrastructure fault; starts in 2 min",
      },
    ]);

    // What the run page and the branch page say while the last retry is held back.
    const page = await caller.runs.get({ id: current });
    expect(page.waiting).toMatch(/^automatic retry after an infrastructure fault; starts in (119 s|2 min)$/);
    const branch = await caller.branches.get({ repository: "retries", name: "main" });
    expect(branch.lanes.find((l) => l.name === "hello")?.waiting).toBe(page.waiting);

    // The fourth fault in a row: no more retries.
    expect(await loseRun(current, host.id)).toEqual([]);
    expect(await db().run.count({ where: { lane: "hello", commitSha: first.commitSha } })).toBe(4);
  });

  it("counts again after a person's rerun: the limit is per row of automatic retries", async () => {
    await laneQueue("tcg").obliterate({ force: true });
    await db().run.deleteMany();
    const host = await registerHost({ name: "flaky-host-2", classes: ["tcg"], capabilities: {}, slots: 1 });
    const first = await requestRun({ repository: "retries", branch: "main", lane: "hello" });
    const [retry] = await loseRun(first.id, host.id);
    expect(retry).toBeDefined();
    // A retry that passed ends the row; a later run lost after a manual rerun starts at 1 again.
    await db().run.update({ where: { id: retry! }, data: { status: "passed", finishedAt: new Date() } });
    const rerun = await requestRun({ repository: "retries", branch: "main", lane: "hello" });
    const [again] = await loseRun(rerun.id, host.id);
    expect((await db().run.findUniqueOrThrow({ where: { id: again! } })).reason).toBe(
      "automatic retry 1 of 3 after an infrastructure fault",
    );
  });
});
