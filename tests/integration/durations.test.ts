import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb, type Run } from "@proofboard/db";
import type { RunStatus } from "@proofboard/domain";
import { claimRun, ensureRepository, finishRun, startHold, syncRepository, usualDurations } from "@proofboard/services";
import { catalogYaml, insertRun, makeRepo, resetDb } from "./helpers";
import { operatorCaller } from "../support/callers";

const T0 = Date.parse("2026-11-01T00:00:00Z");
const caller = await operatorCaller("test");
let repositoryId = "";
let head = "";
let hour = 0;

/** A run of `lane` on the head that took `secs`, each an hour after the last (so passes end in the order made). */
const ran = (lane: string, status: RunStatus, secs: number, hostClass = "tcg") =>
  insertRun({ repositoryId, sha: head, lane, status, secs, hostClass, queuedAt: new Date(T0 + ++hour * 3_600_000) });

beforeAll(async () => {
  await resetDb();
  const lanes = ["alpha", "beta", "gamma"].map((name) => ({ name, command: ["true"] }));
  const target = makeRepo({ "proofboard.yaml": catalogYaml(lanes) });
  head = target.git("rev-parse", "HEAD");
  const repo = await ensureRepository("itest", target.dir);
  repositoryId = repo.id;
  await syncRepository(repo);
});

afterAll(async () => {
  await disconnectDb();
});

describe("usual durations", () => {
  it("are the median of a lane's last 20 passes on its host class, nothing else", async () => {
    // alpha: 5 old slow passes fall out of the window of the 20 newest (median 50, not 60).
    for (let i = 0; i < 5; i++) await ran("alpha", "passed", 1000);
    for (let i = 0; i < 20; i++) await ran("alpha", "passed", 40 + (i % 2) * 20);
    // Failures and timeouts say nothing about how long a pass takes.
    await ran("alpha", "failed", 5);
    await ran("alpha", "timed_out", 9000);
    // beta: fast on KVM hosts, slow under TCG; the catalog puts it on tcg.
    for (let i = 0; i < 3; i++) await ran("beta", "passed", 7, "kvm");
    for (const secs of [300, 320, 340]) await ran("beta", "passed", secs, "tcg");
    // gamma: passes only on another class, so none that apply.
    await ran("gamma", "passed", 11, "kvm");

    const lanes = [
      { name: "alpha", host: "tcg" },
      { name: "beta", host: "tcg" },
      { name: "gamma", host: "tcg" },
    ];
    expect(await usualDurations(repositoryId, lanes)).toEqual({ alpha: 50, beta: 320 });
    expect(await usualDurations(repositoryId, [{ name: "beta", host: "kvm" }])).toEqual({ beta: 7 });
    // Hostile names are data: nothing matches, nothing breaks.
    expect(await usualDurations(repositoryId, [{ name: "alpha'; DROP TABLE run; --", host: "tcg" }])).toEqual({});
    expect(await usualDurations(repositoryId, [])).toEqual({});
    expect(await db().run.count({ where: { repositoryId } })).toBe(34);
  });

  it("reach the branch page per lane, with the catalog's expectation where there is no history", async () => {
    const page = await caller.branches.get({ name: "main" });
    const usual = Object.fromEntries(page.lanes.map((l) => [l.name, l.usualSeconds]));
    expect(usual).toEqual({ alpha: 50, beta: 320, gamma: null });
  });

  it("time the verdict on the live hosts' slots, and say which lanes no live host can run", async () => {
    await ran("gamma", "passed", 30); // gamma is green on the head; alpha and beta failed and are queued again
    // (a pass being rerun would stand: the verdict would be known, not pending)
    for (const lane of ["alpha", "beta"]) {
      await ran(lane, "failed", 0);
      await ran(lane, "queued", 0);
    }
    await db().host.deleteMany();
    expect((await caller.branches.get({ name: "main" })).verdict).toEqual({
      kind: "pending",
      seconds: null,
      unknown: [],
      noHost: ["alpha", "beta"],
    });
    const now = new Date();
    const host = await db().host.create({
      data: { name: "tcg-1", classes: ["tcg"], capabilities: {}, slots: 1, startedAt: now, lastHeartbeatAt: now },
    });
    // One slot: alpha (50 s) then beta (320 s).
    expect((await caller.branches.get({ name: "main" })).verdict).toMatchObject({
      kind: "pending",
      seconds: 370,
      noHost: [],
    });
    await db().host.update({ where: { id: host.id }, data: { slots: 2 } });
    expect((await caller.branches.get({ name: "main" })).verdict).toMatchObject({ seconds: 320 });
    // A host that stopped heartbeating is not counted.
    await db().host.update({ where: { id: host.id }, data: { lastHeartbeatAt: new Date(Date.now() - 3_600_000) } });
    expect((await caller.branches.get({ name: "main" })).verdict?.noHost).toEqual(["alpha", "beta"]);
  });
});

describe("held runs: a duration is the lane's time, the hold is shown apart", () => {
  const secondsOf = async () => {
    const lane = await caller.history.lane({ lane: "alpha" });
    const page = await caller.branches.get({ name: "main" });
    return {
      usual: await usualDurations(repositoryId, [{ name: "alpha", host: "tcg" }]),
      usualOnPage: page.lanes.find((l) => l.name === "alpha")?.usualSeconds,
      median: lane.medianSeconds,
      p90: lane.p90Seconds,
      trend: lane.trend.map((t) => t.seconds),
      verdict: page.verdict,
    };
  };
  let held: Run;
  let heldGamma: Run;

  it("leaves p50, p90, usual durations and the verdict estimate as if the run had not been held", async () => {
    await db().run.deleteMany({ where: { repositoryId } });
    await db().host.updateMany({ data: { slots: 1, lastHeartbeatAt: new Date() } });
    for (const secs of [4, 6, 5, 7, 5]) await ran("alpha", "passed", secs);
    // The newest pass of alpha: its lane took 5 s, then its VMs stayed up 10 minutes for an operator.
    held = await insertRun({
      repositoryId,
      sha: head,
      lane: "alpha",
      status: "passed",
      secs: 5,
      heldSecs: 600,
      queuedAt: new Date(T0 + ++hour * 3_600_000),
    });
    await ran("beta", "passed", 300);
    heldGamma = await insertRun({
      repositoryId,
      sha: head,
      lane: "gamma",
      status: "passed",
      secs: 30,
      heldSecs: 600,
      queuedAt: new Date(T0 + ++hour * 3_600_000),
    });
    await ran("alpha", "failed", 0);
    await ran("alpha", "queued", 0); // the verdict waits for alpha's rerun alone

    const withHold = await secondsOf();
    // lane times 4 5 5 5 6 7; counting the hold (605 s) would make them 5.5 and 306 (and usual 5.5)
    expect(withHold).toMatchObject({
      usual: { alpha: 5 },
      usualOnPage: 5,
      median: 5,
      p90: 6.5,
      trend: [4, 6, 5, 7, 5, 5],
    });
    expect(withHold.verdict).toEqual({ kind: "pending", seconds: 5, unknown: [], noHost: [] });

    // The same run, never held: every figure is the same.
    await db().run.update({
      where: { id: held.id },
      data: { finishedAt: held.laneEndedAt, laneEndedAt: null, holdUntil: null, holdSeconds: null },
    });
    expect(await secondsOf()).toEqual(withHold);
    await db().run.update({
      where: { id: held.id },
      data: { finishedAt: held.finishedAt, laneEndedAt: held.laneEndedAt, holdUntil: held.holdUntil },
    });
  });

  it("shows the hold apart on the run, run rows, lane history, the branch page and the grid (and so the CLI)", async () => {
    expect(await caller.runs.get({ id: held.id })).toMatchObject({
      durationSeconds: 5,
      heldSeconds: 600,
      laneEndedAt: held.laneEndedAt!.toISOString(),
    });
    const rows = await caller.runs.list({ lane: "alpha" });
    expect(rows.find((r) => r.id === held.id)).toMatchObject({ durationSeconds: 5, heldSeconds: 600 });
    expect(rows.filter((r) => r.id !== held.id && r.status === "passed").map((r) => r.heldSeconds)).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    const recent = (await caller.history.lane({ lane: "alpha" })).recent.find((r) => r.id === held.id);
    expect(recent).toMatchObject({ seconds: 5, heldSeconds: 600 });
    // gamma's head run is held: the branch page's lane row and the grid's cell say 30 s.
    const page = await caller.branches.get({ name: "main" });
    const gamma = page.gates.flatMap((g) => g.lanes).find((l) => l.lane === "gamma");
    expect(gamma?.headRun).toMatchObject({ id: heldGamma.id, durationSeconds: 30, heldSeconds: 600 });
    const grid = await caller.history.branchGrid({ branch: "main", commits: 1 });
    const cell = grid.commits[0]!.cells[grid.lanes.findIndex((l) => l.name === "gamma")];
    expect(cell).toMatchObject({ id: heldGamma.id, seconds: 30 });
  });

  it("is recorded by the worker's fenced writes: the hold starts at the lane's end, the finish keeps it", async () => {
    const host = await db().host.findFirstOrThrow();
    const done = { status: "passed", failureKind: null, exitCode: 0, reason: null } as const;
    const stored = (id: string) => db().run.findUniqueOrThrow({ where: { id } });

    const a = await ran("beta", "queued", 0);
    const claim = await claimRun(a.id, host.id, {});
    expect(await startHold({ runId: a.id, fence: claim!.fence + 1 }, 600)).toBeNull(); // an attempt that lost the run
    expect((await stored(a.id)).laneEndedAt).toBeNull();
    expect(await startHold({ runId: a.id, fence: claim!.fence }, 600)).not.toBeNull();
    const laneEnd = (await stored(a.id)).laneEndedAt;
    expect(laneEnd).not.toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    await startHold({ runId: a.id, fence: claim!.fence }, 0); // the hold ends
    expect(await finishRun({ runId: a.id, fence: claim!.fence }, done)).toBe(true);
    const heldRun = await stored(a.id);
    expect(heldRun.laneEndedAt).toEqual(laneEnd);
    expect(heldRun.finishedAt!.getTime()).toBeGreaterThanOrEqual(laneEnd!.getTime() + 50);
    // the readiness summary copies it
    const summary = await db().commitLane.findUniqueOrThrow({
      where: { repositoryId_commitSha_lane: { repositoryId, commitSha: head, lane: "beta" } },
    });
    expect(summary.laneEndedAt).toEqual(laneEnd);

    // Unheld: the lane ends as the run finishes.
    const b = await ran("beta", "queued", 0);
    const claimB = await claimRun(b.id, host.id, {});
    expect(await finishRun({ runId: b.id, fence: claimB!.fence }, done)).toBe(true);
    const unheld = await stored(b.id);
    expect(unheld.laneEndedAt).toEqual(unheld.finishedAt);
    expect((await caller.runs.get({ id: b.id })).heldSeconds).toBeNull();
  });
});
