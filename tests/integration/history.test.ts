import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import type { RunStatus } from "@proofboard/domain";
import { ensureRepository, syncRepository } from "@proofboard/services";
import { catalogYaml, insertRun, makeRepo, resetDb } from "./helpers";
import { operatorCaller } from "../support/callers";

const HOSTILE = "hostile/$(touch${IFS}pwned);-rf";
const T0 = Date.parse("2026-11-01T00:00:00Z");
const FP = {
  host: "h1",
  kvm: true,
  nestedVirtualization: false,
  cpus: 4,
  memoryBytes: 8e9,
  qemuVersion: "7.2.22",
  kernel: "6.1.0",
};

const caller = await operatorCaller("test");
let repositoryId = "";
/** main's first-parent commits, oldest first: c[0] initial … c[3] head */
const c: string[] = [];
let side = "";

/** Runs made directly: `minute` places it on a common timeline; attempts count up per commit and lane. */
async function run(o: {
  sha: string;
  lane: string;
  status: RunStatus;
  minute: number;
  branch?: string;
  secs?: number;
  fp?: object;
}) {
  const queuedAt = new Date(T0 + o.minute * 60_000);
  return (await insertRun({ repositoryId, ...o, queuedAt, fingerprint: o.fp ?? FP })).id;
}

beforeAll(async () => {
  await resetDb();
  const lanes = ["alpha", "beta", "gamma"].map((name) => ({ name, command: ["true"] }));
  const target = makeRepo({ "proofboard.yaml": catalogYaml(lanes, ["alpha", "beta"]) });
  c.push(target.git("rev-parse", "HEAD"));
  target.git("checkout", "-q", "-b", "side");
  side = target.commit({ "side.txt": "side" }, "side work");
  target.git("checkout", "-q", "main");
  c.push(target.commit({ "a.txt": "1" }, "second: $(rm -rf /) <b>bold</b>"));
  target.git("branch", HOSTILE);
  c.push(target.commit({ "a.txt": "2" }, "third"));
  c.push(target.commit({ "a.txt": "3" }, "fourth"));
  const repo = await ensureRepository("itest", target.dir);
  repositoryId = repo.id;
  await syncRepository(repo);
});

afterAll(async () => {
  await disconnectDb();
});

describe("history.branchGrid", () => {
  it("is the first-parent commits newest first × the head catalog's lanes, the latest attempt per cell", async () => {
    await run({ sha: c[3]!, lane: "alpha", status: "failed", minute: 0 });
    const rerun = await run({ sha: c[3]!, lane: "alpha", status: "passed", minute: 5, secs: 42 });
    await run({ sha: c[3]!, lane: "beta", status: "running", minute: 6 });
    // Another branch's run on a main commit still counts: readiness is about commits.
    const other = await run({ sha: c[2]!, lane: "beta", status: "passed", minute: 7, branch: "side" });
    await run({ sha: side, lane: "alpha", status: "failed", minute: 8, branch: "side" });

    const grid = await caller.history.branchGrid({ branch: "main" });
    expect(grid.headSha).toBe(c[3]);
    expect(grid.commits.map((x) => x.sha)).toEqual([c[3], c[2], c[1], c[0]]);
    expect(grid.commits[2]!.subject).toBe("second: $(rm -rf /) <b>bold</b>");
    expect(Date.parse(grid.commits[0]!.committedAt)).not.toBeNaN();
    expect(grid.lanes).toEqual([
      { name: "alpha", title: "alpha", group: "regression-guard", release: true },
      { name: "beta", title: "beta", group: "regression-guard", release: true },
      { name: "gamma", title: "gamma", group: "regression-guard", release: false },
    ]);
    const head = grid.commits[0]!;
    expect(head.cells[0]).toEqual({ id: rerun, status: "passed", attempt: 2, seconds: 42, flaky: true, rerun: null });
    expect(head.cells[1]).toMatchObject({ status: "running", seconds: null });
    expect(head.cells[2]).toBeNull();
    expect(head.release).toEqual({ passed: 1, total: 2 });
    expect(grid.commits[1]!.cells[1]).toMatchObject({ id: other, status: "passed" });
    expect(grid.commits[1]!.release).toEqual({ passed: 1, total: 2 });
    expect(grid.commits[3]!.cells).toEqual([null, null, null]);

    // A rerun under way leaves the cell its verdict (and the commit its count) until it ends.
    const again = await run({ sha: c[2]!, lane: "beta", status: "running", minute: 9 });
    const during = (await caller.history.branchGrid({ branch: "main" })).commits[1]!;
    expect(during.cells[1]).toMatchObject({ id: other, status: "passed", rerun: { id: again, status: "running" } });
    expect(during.release).toEqual({ passed: 1, total: 2 });

    const two = await caller.history.branchGrid({ branch: "main", commits: 2 });
    expect(two.commits.map((x) => x.sha)).toEqual([c[3], c[2]]);
    await expect(caller.history.branchGrid({ branch: "main", commits: 101 })).rejects.toThrow();
  });
});

describe("history.lane", () => {
  it("flake rate counts only commits where the lane both passed and failed", async () => {
    await run({ sha: c[0]!, lane: "gamma", status: "passed", minute: 10, secs: 100 });
    await run({ sha: c[0]!, lane: "gamma", status: "failed", minute: 11 });
    await run({ sha: c[1]!, lane: "gamma", status: "timed_out", minute: 12 });
    await run({ sha: c[1]!, lane: "gamma", status: "failed", minute: 13 });
    await run({ sha: c[2]!, lane: "gamma", status: "passed", minute: 14, secs: 200 });
    await run({ sha: c[2]!, lane: "gamma", status: "canceled", minute: 15 });
    await run({
      sha: c[3]!,
      lane: "gamma",
      status: "passed",
      minute: 16,
      secs: 300,
      fp: { ...FP, qemuVersion: "8.2.0", host: "h2" },
    });

    const h = await caller.history.lane({ lane: "gamma" });
    expect(h.window).toBe(7);
    expect(h.counts).toEqual({ passed: 3, failed: 3, other: 1 });
    expect(h.flake).toEqual({ commits: 4, flakyCommits: [c[0]], rate: 0.25 });
    expect(h.trend.map((t) => t.seconds)).toEqual([100, 200, 300]);
    expect(h.trend[2]).toMatchObject({ commitSha: c[3], branch: "main", hostName: "h2" });
    expect(h.medianSeconds).toBe(200);
    expect(h.p90Seconds).toBeCloseTo(280);
    expect(h.recent[0]).toMatchObject({ lane: "gamma", status: "passed", commitSha: c[3] });
    expect(h.definition).toMatchObject({ title: "gamma", group: "regression-guard" });

    const narrow = await caller.history.lane({ lane: "gamma", limit: 2 });
    expect(narrow.window).toBe(2);
    expect(narrow.flake).toEqual({ commits: 2, flakyCommits: [], rate: 0 });
    const onSide = await caller.history.lane({ lane: "gamma", branch: "side" });
    expect(onSide).toMatchObject({ window: 0, medianSeconds: null, flake: { rate: null } });
  });

  it("says what each recent run's consoles hold, from their lengths, and the median and total", async () => {
    const big = await run({ sha: c[0]!, lane: "sizes", status: "passed", minute: 40, secs: 10 });
    const small = await run({ sha: c[1]!, lane: "sizes", status: "failed", minute: 41 });
    const none = await run({ sha: c[2]!, lane: "sizes", status: "error", minute: 42 });
    // Lengths past 2^31, as a 1 GiB console of several VMs reaches, stay exact.
    const consoles: [string, string, bigint][] = [
      [big, "harness", 3n * 2n ** 30n],
      [big, "node01", 5_000n],
      [small, "harness", 812n],
    ];
    for (const [runId, name, length] of consoles) await db().console.create({ data: { runId, name, length } });
    const h = await caller.history.lane({ lane: "sizes" });
    const bytes = Object.fromEntries(h.recent.map((r) => [r.id, r.consoleBytes]));
    expect(bytes).toEqual({ [big]: 3 * 2 ** 30 + 5_000, [small]: 812, [none]: 0 });
    expect(h.consoleBytes).toEqual({ median: 812, total: 3 * 2 ** 30 + 5_812 });
  });
});

describe("history.compare", () => {
  it("finds the last good run on the nearest passing ancestor, the commits between and the host that changed", async () => {
    const good = await run({ sha: c[1]!, lane: "beta", status: "passed", minute: 20, secs: 50 });
    // Passed later but on another branch's commit: not on this line of history.
    await run({ sha: side, lane: "beta", status: "passed", minute: 21, branch: "side" });
    const bad = await run({
      sha: c[3]!,
      lane: "beta",
      status: "failed",
      minute: 30,
      secs: 80,
      fp: { ...FP, qemuVersion: "8.2.0", kernel: "6.12.0" },
    });
    // The grid test's beta pass on c[2] (asked for by "side", minute 7) is the nearest passing ancestor.
    const nearest = await db().run.findFirstOrThrow({
      where: { repositoryId, commitSha: c[2], lane: "beta", status: "passed" },
    });
    const cmp = await caller.history.compare({ runId: bad });
    expect(cmp.good).toMatchObject({ id: nearest.id, commitSha: c[2], status: "passed", subject: "third" });
    expect(cmp.scope).toBe("ancestor");
    expect(cmp.run).toMatchObject({
      id: bad,
      status: "failed",
      exitCode: 1,
      reason: "beta broke",
      hostName: "h1",
      subject: "fourth",
    });
    expect(cmp.between).toMatchObject({ relation: "ancestor", truncated: false, error: null });
    expect(cmp.between!.commits.map((x) => [x.sha, x.subject])).toEqual([[c[3], "fourth"]]);
    expect(cmp.hostDifferences).toEqual([
      { key: "kernel", good: "6.1.0", bad: "6.12.0" },
      { key: "qemuVersion", good: "7.2.22", bad: "8.2.0" },
    ]);
    expect(cmp.durationDeltaSeconds).toBe(-20);

    // Without that pass, the next ancestor back (c[1], second) is the one, with two commits between.
    await db().run.update({ where: { id: nearest.id }, data: { status: "failed" } });
    const further = await caller.history.compare({ runId: bad });
    expect(further.good).toMatchObject({ id: good, commitSha: c[1], subject: "second: $(rm -rf /) <b>bold</b>" });
    expect(further.between!.commits.map((x) => [x.sha, x.subject])).toEqual([
      [c[3], "fourth"],
      [c[2], "third"],
    ]);
    await db().run.update({ where: { id: nearest.id }, data: { status: "passed" } });
  });

  it("without a passing ancestor, takes the branch's own last good run", async () => {
    // "side" once pointed at c[3] (a force-push since): its pass there is on the branch, not an ancestor of side.
    const good = await run({ sha: c[3]!, lane: "alpha", status: "passed", minute: 22, branch: "side" });
    const bad = await run({ sha: side, lane: "alpha", status: "failed", minute: 31, branch: "side" });
    const cmp = await caller.history.compare({ runId: bad });
    expect(cmp.good?.id).toBe(good);
    expect(cmp.scope).toBe("branch");
    expect(cmp.between?.relation).toBe("not-ancestor");
  });

  it("falls back to any branch and says when the good commit is not an ancestor", async () => {
    const good = await run({
      sha: side,
      lane: "alpha",
      status: "passed",
      minute: 40,
      branch: "side",
      fp: { ...FP, host: "h9" },
    });
    const bad = await run({ sha: c[2]!, lane: "alpha", status: "failed", minute: 50, branch: HOSTILE });
    const cmp = await caller.history.compare({ runId: bad });
    expect(cmp.good?.id).toBe(good);
    expect(cmp.scope).toBe("any-branch");
    expect(cmp.run.branch).toBe(HOSTILE);
    expect(cmp.between?.relation).toBe("not-ancestor");
    // good..bad stops where the side branch forked: the initial commit is already in the good run.
    expect(cmp.between?.commits.map((x) => x.sha)).toEqual([c[2], c[1]]);
    expect(cmp.hostDifferences).toEqual([{ key: "host", good: "h9", bad: "h1" }]);
  });

  it("has no good run to show for a lane that never passed, before or after", async () => {
    await run({ sha: c[3]!, lane: "never", status: "failed", minute: 60 });
    const bad = await run({ sha: c[0]!, lane: "never", status: "failed", minute: -10 });
    const cmp = await caller.history.compare({ runId: bad });
    expect(cmp).toMatchObject({
      good: null,
      scope: null,
      when: null,
      gapSeconds: null,
      between: null,
      hostDifferences: [],
      durationDeltaSeconds: null,
    });
  });
});

/** Queued together (as the demo seed does): a branch's failure may finish before main's pass of the lane. */
describe("history.compare: passes that finished after the failure", () => {
  const at = (minute: number, plusSeconds = 0) => new Date(T0 + minute * 60_000 + plusSeconds * 1000);
  const raw = async (o: {
    sha: string;
    lane: string;
    status: RunStatus;
    minute: number;
    secs: number;
    branch?: string;
  }) => (await insertRun({ repositoryId, ...o, queuedAt: at(o.minute), fingerprint: FP })).id;

  it("the seeded demo: feature branch fails, main's pass finishes 18 s later and is the one compared", async () => {
    // Both queued at the same instant; the failure ends at +101 s, main's pass at +119 s.
    const bad = await raw({
      sha: side,
      lane: "fresh-matrix",
      status: "failed",
      minute: 100,
      secs: 100,
      branch: "feature/fiberlb-rework",
    });
    const pass = await raw({ sha: c[3]!, lane: "fresh-matrix", status: "passed", minute: 100, secs: 118 });
    const cmp = await caller.history.compare({ runId: bad });
    expect(cmp.good).toMatchObject({
      id: pass,
      branch: "main",
      commitSha: c[3],
      finishedAt: at(100, 119).toISOString(),
    });
    expect(cmp).toMatchObject({ scope: "any-branch", when: "after", gapSeconds: 18, durationDeltaSeconds: -18 });
    expect(cmp.between?.relation).toBe("not-ancestor");
  });

  it("a pass that finished before the failure wins over one after, even one on its line of history", async () => {
    // Finished while the failure ran (queued after it): before it ended, so it counts as before.
    const before = await raw({ sha: side, lane: "delta", status: "passed", minute: 110, secs: 30, branch: "side" });
    const bad = await raw({ sha: c[3]!, lane: "delta", status: "failed", minute: 109, secs: 200 });
    await raw({ sha: c[3]!, lane: "delta", status: "passed", minute: 113, secs: 30 });
    await raw({ sha: c[2]!, lane: "delta", status: "passed", minute: 109, secs: 210 });
    const cmp = await caller.history.compare({ runId: bad });
    expect(cmp.good?.id).toBe(before);
    expect(cmp).toMatchObject({ scope: "any-branch", when: "before", gapSeconds: 110 });
  });

  it("among passes after, the nearest ancestor wins, then the earliest; a pass on the same commit is nearest", async () => {
    const bad = await raw({ sha: c[3]!, lane: "epsilon", status: "failed", minute: 120, secs: 60 });
    await raw({ sha: side, lane: "epsilon", status: "passed", minute: 121, secs: 1, branch: "side" });
    const onAncestor = await raw({ sha: c[1]!, lane: "epsilon", status: "passed", minute: 123, secs: 60 });
    expect(await caller.history.compare({ runId: bad })).toMatchObject({
      good: { id: onAncestor },
      scope: "ancestor",
      when: "after",
      gapSeconds: 180,
    });
    const rerun = await raw({ sha: c[3]!, lane: "epsilon", status: "passed", minute: 125, secs: 60 });
    const cmp = await caller.history.compare({ runId: bad });
    expect(cmp).toMatchObject({ good: { id: rerun, attempt: 2 }, scope: "ancestor", when: "after", gapSeconds: 300 });
    expect(cmp.between).toMatchObject({ relation: "same-commit", commits: [] });
  });

  it("a pass on the same commit before the failure is the last good run, code unchanged", async () => {
    const good = await raw({ sha: c[2]!, lane: "zeta", status: "passed", minute: 130, secs: 40 });
    await raw({ sha: c[1]!, lane: "zeta", status: "passed", minute: 131, secs: 40 });
    const bad = await raw({ sha: c[2]!, lane: "zeta", status: "failed", minute: 132, secs: 40 });
    const cmp = await caller.history.compare({ runId: bad });
    expect(cmp).toMatchObject({ good: { id: good, commitSha: c[2] }, scope: "ancestor", when: "before" });
    expect(cmp.between).toMatchObject({ relation: "same-commit", commits: [] });
  });
});

describe("hostile names are data", () => {
  it("a branch with shell text and a leading dash is shown verbatim", async () => {
    const grid = await caller.history.branchGrid({ branch: HOSTILE });
    expect(grid.branch).toBe(HOSTILE);
    expect(grid.commits.map((x) => x.sha)).toEqual([c[1], c[0]]);
  });

  it.each(["../../etc/passwd", "-rf", "--all", "main..side", "$(id)", "%2e%2e"])(
    "unknown branch %j is not found",
    async (name) => {
      await expect(caller.history.branchGrid({ branch: name })).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(caller.history.lane({ lane: "gamma", branch: name })).rejects.toMatchObject({ code: "NOT_FOUND" });
    },
  );

  it("a control character in a branch name is a bad request (no branch can hold one; see hostile-names.test.ts)", async () => {
    await expect(caller.history.branchGrid({ branch: "main\n" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.history.lane({ lane: "gamma", branch: "main\n" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("unknown lanes and runs are not found", async () => {
    for (const lane of ["$(touch pwned)", "--output=/tmp/x", "' OR 1=1 --"]) {
      await expect(caller.history.lane({ lane })).rejects.toMatchObject({
        code: "NOT_FOUND",
        message: `unknown lane: ${JSON.stringify(lane)}`,
      });
    }
    for (const runId of ["' OR 1=1 --", "00000000-0000-0000-0000-000000000000", "-n"]) {
      await expect(caller.history.compare({ runId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
  });
});
