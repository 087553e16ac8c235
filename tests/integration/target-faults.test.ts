import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { TARGET_FAULT_MAX_CHARS } from "@proofboard/domain";
import { closeQueues, enqueueRun } from "@proofboard/jobs";
import { ensureRepository, recordTargetFault, syncRepository, targetFault } from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { catalogYaml, insertRun, makeRepo, resetDb, waitFor } from "./helpers";
import { operatorCaller } from "../support/callers";

/**
 * A target that cannot be fetched is recorded on its repository (by the sync and by a worker
 * fetching a run's commit), shown with the runs that wait for it, and cleared by the next good fetch.
 */
const caller = await operatorCaller("test");
let worker: RunningWorker | undefined;
let target: ReturnType<typeof makeRepo>;
let repositoryId: string;
const brokenRef = () => path.join(target.dir, ".git/refs/heads/broken");

beforeAll(async () => {
  await resetDb();
  target = makeRepo({ "proofboard.yaml": catalogYaml([{ name: "hello", command: ["true"] }]) });
  const repo = await ensureRepository("faulty", target.dir);
  repositoryId = repo.id;
  await syncRepository(repo);
});

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

describe("target faults", () => {
  it("a good sync records the fetch and no fault", async () => {
    const state = await targetFault(repositoryId);
    expect(state.fault).toBeNull();
    expect(state.fetchedAt).toBeInstanceOf(Date);
  });

  it("a failed sync fetch records the fault, and since when", async () => {
    // A ref naming an object the repository does not have: git refuses to fetch "refs/heads/*".
    writeFileSync(brokenRef(), `${"0123456789abcdef".repeat(2)}01234567\n`);
    const before = new Date();
    await expect(
      syncRepository(await db().repository.findUniqueOrThrow({ where: { id: repositoryId } })),
    ).rejects.toThrow(/^the target \S+ cannot be fetched: git fetch failed: fatal: /);
    const { fault } = await targetFault(repositoryId);
    expect(fault?.message).toMatch(/^git fetch failed: fatal: .*not our ref 0123456789abcdef/);
    expect(fault!.since.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);

    // A second failure keeps when it began.
    const since = fault!.since;
    await expect(
      syncRepository(await db().repository.findUniqueOrThrow({ where: { id: repositoryId } })),
    ).rejects.toThrow();
    expect((await targetFault(repositoryId)).fault?.since).toEqual(since);
  });

  it("a worker that cannot fetch a run's commit records the fault; the branch page counts the run that waits", async () => {
    await db().repository.update({ where: { id: repositoryId }, data: { targetFault: null, targetFaultAt: null } });
    worker = await startWorker({ hostName: "fault-host", control: false, slots: 1, log: () => undefined });
    const row = await insertRun({
      repositoryId,
      sha: "e".repeat(40),
      lane: "hello",
      status: "queued",
      queuedAt: new Date(),
    });
    await enqueueRun(row.id, "tcg");
    await waitFor(
      "the run to be released",
      async () => {
        const r = await db().run.findUniqueOrThrow({ where: { id: row.id } });
        return r.status === "waiting" && r.reason ? r : null;
      },
      60_000,
    );
    await worker.stop();
    worker = undefined;

    const branch = await caller.branches.get({ repository: "faulty", name: "main" });
    expect(branch.targetFault).toMatchObject({ waitingRuns: 1 });
    expect(branch.targetFault?.summary).toMatch(/^fatal: .*not our ref 0123456789abcdef\w+ …$/); // git and upload-pack race to stderr: either line comes first
    expect(branch.targetFault?.summary).not.toMatch(/^git fetch failed/);
    const hosts = await caller.hosts.target();
    expect(hosts).toMatchObject({ name: "faulty", fault: { waitingRuns: 1 } });
    expect(hosts.fetchedAt).not.toBeNull();
    const overview = await caller.branches.list({ repository: "faulty" });
    expect(overview.repository.targetFault?.waitingRuns).toBe(1);
  });

  it("the next good fetch clears it", async () => {
    rmSync(brokenRef());
    const before = (await targetFault(repositoryId)).fetchedAt!;
    await syncRepository(await db().repository.findUniqueOrThrow({ where: { id: repositoryId } }));
    const state = await targetFault(repositoryId);
    expect(state.fault).toBeNull();
    expect(state.fetchedAt!.getTime()).toBeGreaterThan(before.getTime());
    expect((await caller.branches.get({ repository: "faulty", name: "main" })).targetFault).toBeNull();
  });

  it("a hostile message is stored without escapes or control characters, and bounded", async () => {
    const hostile = `fatal: \x1b[2J\x1b[31mremote says\x1b[0m\x07 \x1b]8;;https://evil.example\x07click\x1b]8;;\x07\u009b1m\r\n${"A".repeat(200_000)}\x00`;
    await recordTargetFault(repositoryId, hostile);
    const { fault } = await caller.hosts.target();
    expect(fault?.message.length).toBe(TARGET_FAULT_MAX_CHARS);
    expect(fault?.message).toMatch(/^fatal: remote says click \/ A+…$/);
    expect(fault?.message).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(fault?.summary).toBe("fatal: remote says click …");
  });
});
