import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues, controlQueue, laneQueue } from "@proofboard/jobs";
import {
  branchByName,
  branchView,
  ensureRepository,
  requestMissing,
  requestRun,
  runById,
  runScheduledLane,
  syncRepository,
  syncSchedules,
} from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { makeRepo, resetDb, waitFor } from "./helpers";

/** Fail first: lanes wait for what they need; an upstream failure skips them, with the reason. */
const catalog = `version: 1
name: deps
lanes:
  - { name: guard, description: eval guard, command: [bash, -c, "test ! -f BROKEN"], group: regression-guard, host: tcg, timeoutSeconds: 60 }
  - { name: smoke, description: long suite, command: [bash, -c, "sleep 0.3; echo smoke ok"], group: publishable, host: tcg, timeoutSeconds: 60, needs: [guard] }
  - { name: matrix, description: long suite, command: [bash, -c, "echo matrix ok"], group: publishable, host: tcg, timeoutSeconds: 60, needs: [guard] }
  - { name: flappy, description: fails its first attempt on a commit, command: [bash, -c, 'test "$PROOFBOARD_ATTEMPT" -gt 1'], group: portable, host: tcg, timeoutSeconds: 60 }
  - { name: pushed, description: on every push, command: ["true"], group: portable, host: tcg, timeoutSeconds: 60, triggers: { push: true } }
  - { name: nightly, description: nightly suite, command: ["true"], group: publishable, host: tcg, timeoutSeconds: 60, triggers: { schedule: "0 2 * * *", branches: [main, nosuch] } }
gates:
  - { id: release, name: Release, lanes: [smoke, matrix], release: true }
`;

let worker: RunningWorker;
let target: ReturnType<typeof makeRepo>;

beforeAll(async () => {
  await resetDb();
  await laneQueue("tcg").obliterate({ force: true });
  target = makeRepo({ "proofboard.yaml": catalog });
  target.git("checkout", "-q", "-b", "broken");
  target.commit({ BROKEN: "yes\n" }, "break the guard");
  target.git("checkout", "-q", "main");
  await syncRepository(await ensureRepository("deps", target.dir));
  worker = await startWorker({ hostName: "deps-host", control: false, slots: 2, log: () => undefined });
});

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

const ended = (id: string) =>
  waitFor(`run ${id} to end`, async () => {
    const r = await runById(id);
    return ["waiting", "queued", "running"].includes(r.status) ? null : r;
  });

describe("dependencies", () => {
  it("queues what a lane needs first; the lane waits, then runs once it passed", async () => {
    const smoke = await requestRun({ repository: "deps", branch: "main", lane: "smoke" });
    expect(smoke.status).toBe("waiting");
    const guard = await db().run.findFirstOrThrow({ where: { lane: "guard", commitSha: smoke.commitSha } });
    expect(guard.trigger).toBe("needed");
    expect((await ended(guard.id)).status).toBe("passed");
    expect((await ended(smoke.id)).status).toBe("passed");
  });

  it("skips a lane whose need failed, saying why; a rerun respects the dependency again", async () => {
    const smoke = await requestRun({ repository: "deps", branch: "broken", lane: "smoke" });
    const done = await ended(smoke.id);
    expect(done.status).toBe("skipped");
    expect(done.failureKind).toBe("skipped");
    expect(done.reason).toBe("not run: guard, which it needs, ended failed on this commit");

    const again = await requestRun({ repository: "deps", branch: "broken", lane: "smoke" });
    expect(again.status).toBe("waiting");
    expect(await db().run.count({ where: { lane: "guard", commitSha: again.commitSha } })).toBe(2);
    expect((await ended(again.id)).status).toBe("skipped");
  });

  it("two requests racing for one lane on one commit make one run", async () => {
    target.commit({ "notes.txt": "race\n" }, "a commit to race on");
    const repo = await db().repository.findUniqueOrThrow({ where: { name: "deps" } });
    await syncRepository(repo);
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map(() => requestRun({ repository: "deps", branch: "main", lane: "matrix" })),
    );
    expect(new Set([a!.id, b!.id, c!.id]).size).toBe(1);
    expect(await db().run.count({ where: { lane: "matrix", commitSha: a!.commitSha } })).toBe(1);
    await ended(a!.id);
  });

  it("rerun what is missing queues exactly the release lanes not green on the head, with their needs", async () => {
    const repo = await db().repository.findUniqueOrThrow({ where: { name: "deps" } });
    target.commit({ "notes.txt": "missing\n" }, "a commit with nothing run");
    await syncRepository(repo);
    const head = (await branchByName(repo, "main")).headSha;
    await requestRun({ repository: "deps", branch: "main", lane: "guard" }).then((r) => ended(r.id));
    await requestRun({ repository: "deps", branch: "main", lane: "matrix" }).then((r) => ended(r.id));
    const queued = await requestMissing({ repository: "deps", branch: "main" });
    expect(queued.map((r) => r.lane)).toEqual(["smoke"]);
    await ended(queued[0]!.id);
    const view = await branchView(repo, await branchByName(repo, "main"));
    expect(view.readiness?.releaseReady).toBe(true);
    expect(view.branch.headSha).toBe(head);
    expect(await requestMissing({ repository: "deps", branch: "main" })).toEqual([]);
  });

  it("a lane triggered on push runs on every new head commit, once", async () => {
    const repo = await db().repository.findUniqueOrThrow({ where: { name: "deps" } });
    const sha = target.commit({ "notes.txt": "push\n" }, "a pushed commit");
    await syncRepository(repo, "push"); // as a push webhook does
    await syncRepository(repo);
    const runs = await db().run.findMany({ where: { lane: "pushed", commitSha: sha } });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.trigger).toBe("push");
    expect(await db().run.count({ where: { commitSha: sha, lane: { not: "pushed" } } })).toBe(0);
  });

  it("a lane with a schedule gets a BullMQ job scheduler, and a firing runs it once per head", async () => {
    const repo = await db().repository.findUniqueOrThrow({ where: { name: "deps" } });
    expect(await syncSchedules(repo)).toEqual(["nightly (0 2 * * *)"]);
    const schedulers = await controlQueue().getJobSchedulers();
    expect(schedulers.filter((j) => j.key === `lane:${repo.id}:nightly`).map((j) => j.pattern)).toEqual(["0 2 * * *"]);
    const first = await runScheduledLane(repo.id, "nightly");
    expect(first).toHaveLength(1);
    expect((await runById(first[0]!)).trigger).toBe("schedule");
    expect(await runScheduledLane(repo.id, "nightly")).toEqual([]);
    await controlQueue().removeJobScheduler(`lane:${repo.id}:nightly`);
  });

  it("a pass that needed a retry on the same commit is flaky, in the branch view and the overview", async () => {
    const repo = await db().repository.findUniqueOrThrow({ where: { name: "deps" } });
    const first = await requestRun({ repository: "deps", branch: "main", lane: "flappy" });
    expect((await ended(first.id)).status).toBe("failed");
    const second = await requestRun({ repository: "deps", branch: "main", lane: "flappy" });
    expect((await ended(second.id)).status).toBe("passed");
    const view = await branchView(repo, await branchByName(repo, "main"));
    expect(view.readiness?.lanes.flappy).toMatchObject({ state: "passed", flaky: true });
    expect(view.readiness?.lanes.matrix?.flaky).toBe(false);
  });
});
