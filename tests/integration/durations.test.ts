import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import type { RunStatus } from "@proofboard/domain";
import { ensureRepository, syncRepository, usualDurations } from "@proofboard/services";
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

    const lanes = [{ name: "alpha", host: "tcg" }, { name: "beta", host: "tcg" }, { name: "gamma", host: "tcg" }];
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
    await ran("gamma", "passed", 30); // gamma is green on the head; alpha and beta are queued again
    for (const lane of ["alpha", "beta"]) await ran(lane, "queued", 0);
    await db().host.deleteMany();
    expect((await caller.branches.get({ name: "main" })).verdict).toEqual({ kind: "pending", seconds: null, unknown: [], noHost: ["alpha", "beta"] });
    const now = new Date();
    const host = await db().host.create({
      data: { name: "tcg-1", classes: ["tcg"], capabilities: {}, slots: 1, startedAt: now, lastHeartbeatAt: now },
    });
    // One slot: alpha (50 s) then beta (320 s).
    expect((await caller.branches.get({ name: "main" })).verdict).toMatchObject({ kind: "pending", seconds: 370, noHost: [] });
    await db().host.update({ where: { id: host.id }, data: { slots: 2 } });
    expect((await caller.branches.get({ name: "main" })).verdict).toMatchObject({ seconds: 320 });
    // A host that stopped heartbeating is not counted.
    await db().host.update({ where: { id: host.id }, data: { lastHeartbeatAt: new Date(Date.now() - 3_600_000) } });
    expect((await caller.branches.get({ name: "main" })).verdict?.noHost).toEqual(["alpha", "beta"]);
  });
});
