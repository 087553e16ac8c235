import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb, type Repository } from "@proofboard/db";
import type { RunStatus } from "@proofboard/domain";
import {
  ensureRepository,
  readinessChangesAfter,
  readinessTimeline,
  recordReadinessChanges,
  syncRepository,
  type ReadinessChange,
} from "@proofboard/services";
import { insertRun, makeRepo, resetDb } from "./helpers";

/**
 * The readiness recorder on real PostgreSQL and git: rows for the branch (gate null) and each gate
 * whose verdict changed, with the commit and the run that changed it, each change once.
 */
const CATALOG = `version: 1
name: timeline
profiles: []
lanes:
${["alpha", "beta"].map((n) => `  - name: ${n}\n    description: lane ${n}\n    command: ["true"]\n    group: regression-guard\n    host: tcg\n    timeoutSeconds: 60`).join("\n")}
gates:
  - id: quick
    name: Quick
    description: alpha alone
    release: false
    lanes: [alpha]
  - id: release
    name: Release
    description: both
    release: true
    lanes: [alpha, beta]
`;
const HOSTILE = `evil/<script>alert("x")</script>'&`;

let repo: Repository;
let target: ReturnType<typeof makeRepo>;
let clock = Date.parse("2026-12-01T00:00:00Z");

async function headOf(branch: string): Promise<string> {
  return (
    await db().branch.findUniqueOrThrow({ where: { repositoryId_name: { repositoryId: repo.id, name: branch } } })
  ).headSha;
}

async function run(branch: string, lane: string, status: RunStatus) {
  clock += 60_000;
  return insertRun({
    repositoryId: repo.id,
    sha: await headOf(branch),
    branch,
    lane,
    status,
    queuedAt: new Date(clock),
    secs: 5,
  });
}

const brief = (c: ReadinessChange) => ({ branch: c.branch, gate: c.gate, ready: c.ready, initial: c.initial });
const of = (branch: string, changes: ReadinessChange[]) => changes.filter((c) => c.branch === branch);
const rowCount = () => db().readinessChange.count();

beforeAll(async () => {
  await resetDb();
  target = makeRepo({ "proofboard.yaml": CATALOG });
  target.git("branch", "side");
  // the hostile branch on a commit of its own, so main's runs leave it alone
  target.git("checkout", "-q", "-b", "hostile-base");
  target.commit({ "hostile.txt": "1" }, `<b>"hostile"</b>`);
  target.git("update-ref", `refs/heads/${HOSTILE}`, "HEAD");
  target.git("checkout", "-q", "main");
  target.git("branch", "-q", "-D", "hostile-base");
  repo = await ensureRepository("timeline", target.dir);
  await syncRepository(repo);
});

afterAll(async () => {
  await disconnectDb();
});

describe("recording readiness changes", () => {
  it("starts every branch and gate with an initial verdict, then records nothing more", async () => {
    const first = await recordReadinessChanges();
    expect(first.checked).toBe(3);
    expect(first.recorded.filter((c) => c.branch === "main").map(brief)).toEqual([
      { branch: "main", gate: null, ready: false, initial: true },
      { branch: "main", gate: "quick", ready: false, initial: true },
      { branch: "main", gate: "release", ready: false, initial: true },
    ]);
    expect(first.recorded.every((c) => c.runId === null && c.initial)).toBe(true);
    expect(first.recorded.find((c) => c.branch === HOSTILE && c.gate === null)?.missing).toEqual(["alpha", "beta"]);
    const before = await rowCount();
    expect((await recordReadinessChanges()).recorded).toEqual([]);
    expect(await rowCount()).toBe(before);
  });

  it("a pass turns a gate READY, naming the run and the commit; the branch turns READY when every release gate is", async () => {
    const alpha = await run("main", "alpha", "passed");
    const r1 = await recordReadinessChanges();
    expect(of("main", r1.recorded).map(brief)).toEqual([
      { branch: "main", gate: "quick", ready: true, initial: false },
    ]);
    // "side" shares the commit, and the rule is about commits: the same run turned its gate READY.
    expect(of("side", r1.recorded).map(brief)).toEqual([
      { branch: "side", gate: "quick", ready: true, initial: false },
    ]);
    expect(r1.recorded.length).toBe(2);
    expect(r1.recorded[0]).toMatchObject({
      runId: alpha.id,
      commitSha: await headOf("main"),
      commitSubject: "initial",
      missing: [],
    });
    expect(r1.recorded[0]!.at.getTime()).toBe(alpha.finishedAt!.getTime());

    const beta = await run("main", "beta", "passed");
    const r2 = await recordReadinessChanges();
    expect(of("main", r2.recorded).map(brief)).toEqual([
      { branch: "main", gate: null, ready: true, initial: false },
      { branch: "main", gate: "release", ready: true, initial: false },
    ]);
    expect(r2.recorded.length).toBe(4);
    expect(r2.recorded.every((c) => c.runId === beta.id)).toBe(true);
    expect((await recordReadinessChanges()).recorded).toEqual([]);
  });

  it("a failed rerun turns them NOT READY with the failed run and what is missing; repeating adds nothing", async () => {
    const failed = await run("main", "alpha", "failed");
    const r = await recordReadinessChanges();
    const main = r.recorded.filter((c) => c.branch === "main");
    expect(main.map(brief)).toEqual([
      { branch: "main", gate: null, ready: false, initial: false },
      { branch: "main", gate: "quick", ready: false, initial: false },
      { branch: "main", gate: "release", ready: false, initial: false },
    ]);
    expect(main.every((c) => c.runId === failed.id && c.missing.join() === "alpha")).toBe(true);
    const count = await rowCount();
    for (let i = 0; i < 3; i++) await recordReadinessChanges();
    expect(await rowCount()).toBe(count);
  });

  it("records each change once when several recorders run at the same time", async () => {
    await run("main", "alpha", "passed");
    const before = await rowCount();
    const passes = await Promise.all(Array.from({ length: 6 }, () => recordReadinessChanges()));
    const recorded = passes.flatMap((p) => p.recorded).filter((c) => c.branch === "main");
    expect(recorded.map(brief).sort((a, b) => String(a.gate).localeCompare(String(b.gate)))).toEqual([
      { branch: "main", gate: null, ready: true, initial: false },
      { branch: "main", gate: "quick", ready: true, initial: false },
      { branch: "main", gate: "release", ready: true, initial: false },
    ]);
    // main's three, and side's (same commit)
    expect(await rowCount()).toBe(before + 6);
  });

  it("a head that moved is recorded with its new commit and no run", async () => {
    const since = new Date();
    const sha = target.commit({ "next.txt": "1" }, "main moves on");
    await syncRepository(repo);
    const r = await recordReadinessChanges({ since });
    expect(r.checked).toBe(1);
    expect(r.recorded.map(brief)).toEqual([
      { branch: "main", gate: null, ready: false, initial: false },
      { branch: "main", gate: "quick", ready: false, initial: false },
      { branch: "main", gate: "release", ready: false, initial: false },
    ]);
    expect(
      r.recorded.every((c) => c.runId === null && c.commitSha === sha && c.commitSubject === "main moves on"),
    ).toBe(true);
  });

  it("looks only at branches touched since the watermark, and catches up on a full pass", async () => {
    const since = new Date();
    // a run whose times lie before the watermark (they are set by the run, not by this pass)
    await run(HOSTILE, "beta", "passed");
    const incremental = await recordReadinessChanges({ since });
    expect(incremental.recorded).toEqual([]);
    expect(incremental.checked).toBe(0);
    const full = await recordReadinessChanges();
    expect(full.recorded.map(brief)).toEqual([]);
    const alpha = await run(HOSTILE, "alpha", "passed");
    await db().run.update({ where: { id: alpha.id }, data: { finishedAt: new Date() } });
    const after = await recordReadinessChanges({ since });
    expect(after.recorded.map(brief)).toEqual([
      { branch: HOSTILE, gate: null, ready: true, initial: false },
      { branch: HOSTILE, gate: "quick", ready: true, initial: false },
      { branch: HOSTILE, gate: "release", ready: true, initial: false },
    ]);
  });
});

describe("reading the changes", () => {
  it("readinessChangesAfter pages through every row in id order", async () => {
    const all = await readinessChangesAfter(0, 1000);
    expect(all.length).toBe(await rowCount());
    const ids = all.map((c) => BigInt(c.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    const tail = await readinessChangesAfter(all[4]!.id, 3);
    expect(tail.map((c) => c.id)).toEqual(all.slice(5, 8).map((c) => c.id));
    expect(tail[0]!.repository).toBe("timeline");
    await expect(readinessChangesAfter("1; DROP TABLE run", 3)).rejects.toThrow(/readiness change id/);
  });

  it("a branch's timeline is newest first, by gate, in pages", async () => {
    const { changes, more } = await readinessTimeline(repo, "main", { limit: 4 });
    expect(more).toBe(true);
    expect(changes.map((c) => c.commitSubject)).toEqual(["main moves on", "main moves on", "main moves on", "initial"]);
    const ids = changes.map((c) => BigInt(c.id));
    expect(ids.every((id, i) => i === 0 || id < ids[i - 1]!)).toBe(true);
    const next = await readinessTimeline(repo, "main", { limit: 100, before: changes[3]!.id });
    expect(next.more).toBe(false);
    expect(next.changes.every((c) => BigInt(c.id) < ids[3]!)).toBe(true);
    const whole = await readinessTimeline(repo, "main", { gate: null });
    expect(whole.changes.map((c) => [c.ready, c.initial])).toEqual([
      [false, false],
      [true, false],
      [false, false],
      [true, false],
      [false, true],
    ]);
    expect((await readinessTimeline(repo, "main", { gate: "quick" })).changes.every((c) => c.gate === "quick")).toBe(
      true,
    );
    expect((await readinessTimeline(repo, HOSTILE)).changes[0]!.branch).toBe(HOSTILE);
  });
});
