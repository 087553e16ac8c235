import { describe, expect, it } from "vitest";
import { computeBranchReadiness, lanesToRun, runUnderWay } from "./readiness";
import type { Catalog, Gate, Lane, RunStatus, RunSummary } from "./types";

const HEAD = "a".repeat(40);
const OLD = "b".repeat(40);

function lane(name: string, needs: string[] = []): Lane {
  return {
    name,
    title: name,
    description: name,
    command: ["run", name],
    profile: null,
    group: "publishable",
    host: "tcg",
    timeoutSeconds: 60,
    consoles: [],
    covers: [],
    needs,
    expectedSeconds: null,
    vms: null,
    serialLogs: null,
    unsupportedExitCodes: [],
    env: {},
    failureMarkers: [],
    operations: [],
    triggers: { push: false, schedule: null, branches: ["main"] },
  };
}

const gate = (id: string, lanes: string[], release: boolean): Gate => ({
  id,
  name: id,
  description: "",
  lanes,
  release,
});

// catalog order (guard, iso, e2e, smoke, matrix, bench) differs from the gates' order on purpose
const CATALOG: Catalog = {
  version: 1,
  name: "t",
  profiles: [],
  lanes: [
    lane("guard"),
    lane("iso", ["guard"]),
    lane("e2e", ["guard"]),
    lane("smoke", ["guard"]),
    lane("matrix", ["smoke"]),
    lane("bench"),
  ],
  gates: [
    gate("metal", ["e2e", "iso"], true),
    gate("kvm", ["smoke", "matrix"], true),
    gate("guards", ["guard"], false),
  ],
};

let seq = 0;
function run(
  laneName: string,
  status: RunStatus,
  opts: { sha?: string; at?: number; attempt?: number } = {},
): RunSummary {
  seq += 1;
  const queuedAt = new Date(Date.UTC(2025, 0, 1, 0, 0, opts.at ?? seq));
  return {
    id: `r${seq}`,
    lane: laneName,
    commitSha: opts.sha ?? HEAD,
    status,
    attempt: opts.attempt ?? 1,
    queuedAt,
    startedAt: null,
    finishedAt: null,
  };
}

const readiness = (runs: RunSummary[], catalog: Catalog = CATALOG) =>
  computeBranchReadiness({ headSha: HEAD, catalog, runs });
const allPassed = () => CATALOG.lanes.map((l) => run(l.name, "passed"));

describe("computeBranchReadiness", () => {
  it("is release-ready when every release gate passed on the head commit, whatever non-release lanes do", () => {
    const r = readiness([...allPassed(), run("bench", "failed")]);
    expect(r.releaseReady).toBe(true);
    expect(r.missing).toEqual([]);
    expect(r.gates.map((g) => g.green)).toEqual([true, true, true]);
    expect(r.lanes.bench?.state).toBe("failed");
  });

  it("does not count a pass on an older commit: it is stale", () => {
    const oldPass = run("iso", "passed", { sha: OLD });
    const r = readiness([...allPassed().filter((x) => x.lane !== "iso"), oldPass]);
    expect(r.lanes.iso).toEqual({
      lane: "iso",
      state: "never-run",
      headRun: null,
      rerun: null,
      stalePass: oldPass,
      flaky: false,
    });
    expect(r.releaseReady).toBe(false);
    expect(r.gates[0]).toMatchObject({ green: false, missing: ["iso"] });
    expect(r.missing).toEqual(["iso"]);
  });

  it("keeps the stale pass next to a failure on the head, and drops it once the head passes", () => {
    const oldPass = run("smoke", "passed", { sha: OLD });
    expect(readiness([oldPass, run("smoke", "failed")]).lanes.smoke).toMatchObject({
      state: "failed",
      stalePass: oldPass,
    });
    expect(readiness([oldPass, run("smoke", "passed")]).lanes.smoke?.stalePass).toBeNull();
    // a newer pass on an older commit is still not the head's: "latest" is about the head only
    const head = run("smoke", "failed", { at: 1 });
    const newerOld = run("smoke", "passed", { sha: OLD, at: 50 });
    expect(readiness([head, newerOld]).lanes.smoke).toMatchObject({
      state: "failed",
      headRun: head,
      stalePass: newerOld,
    });
  });

  it("lets the latest run on the head decide: a failed rerun after a pass makes the lane failed", () => {
    const runs = [run("smoke", "failed", { at: 30, attempt: 2 }), run("smoke", "passed", { at: 10 })];
    const r = readiness([...allPassed().filter((x) => x.lane !== "smoke"), ...runs]);
    expect(r.lanes.smoke?.state).toBe("failed");
    expect(r.lanes.smoke?.headRun?.id).toBe(runs[0]?.id);
    expect(r.gates[1]?.green).toBe(false);
    expect(r.releaseReady).toBe(false);
  });

  it("breaks queue-time ties by attempt", () => {
    const later = run("iso", "passed", { at: 5, attempt: 2 });
    expect(readiness([later, run("iso", "lost", { at: 5, attempt: 1 })]).lanes.iso?.headRun).toBe(later);
    expect(
      readiness([run("iso", "passed", { at: 5, attempt: 1 }), run("iso", "lost", { at: 5, attempt: 2 })]).lanes.iso
        ?.state,
    ).toBe("failed");
  });

  it("maps every run status to a lane state", () => {
    const cases: [RunStatus, string][] = [
      ["queued", "queued"],
      ["running", "running"],
      ["passed", "passed"],
      ["failed", "failed"],
      ["timed_out", "failed"],
      ["unsupported", "failed"],
      ["canceled", "failed"],
      ["lost", "failed"],
      ["error", "failed"],
    ];
    for (const [status, state] of cases)
      expect(readiness([run("guard", status)]).lanes.guard?.state, status).toBe(state);
  });

  it("is not ready while a release lane is running or queued", () => {
    const r = readiness([
      ...allPassed().filter((x) => x.lane !== "iso" && x.lane !== "matrix"),
      run("iso", "running"),
      run("matrix", "queued"),
    ]);
    expect([r.lanes.iso?.state, r.lanes.matrix?.state]).toEqual(["running", "queued"]);
    expect(r.releaseReady).toBe(false);
  });

  it("lists missing release lanes deduplicated, in catalog order, per gate in gate order", () => {
    const twice: Catalog = { ...CATALOG, gates: [...CATALOG.gates, gate("again", ["matrix", "iso"], true)] };
    const r = readiness([run("guard", "passed"), run("smoke", "passed")], twice);
    expect(r.missing).toEqual(["iso", "e2e", "matrix"]);
    expect(r.gates[0]?.missing).toEqual(["e2e", "iso"]);
    expect(r.gates.find((g) => g.gate.id === "guards")?.green).toBe(true);
  });

  it("is never release-ready without a release gate", () => {
    const noRelease: Catalog = { ...CATALOG, gates: CATALOG.gates.map((g) => ({ ...g, release: false })) };
    const r = readiness(allPassed(), noRelease);
    expect(r.gates.every((g) => g.green)).toBe(true);
    expect(r.releaseReady).toBe(false);
    expect(r.missing).toEqual([]);
  });

  it("covers every catalog lane and ignores runs of lanes it does not know", () => {
    const r = readiness([run("retired-lane", "passed")]);
    expect(Object.keys(r.lanes)).toEqual(CATALOG.lanes.map((l) => l.name));
    expect(Object.values(r.lanes).every((l) => l.state === "never-run")).toBe(true);
    expect(r.headSha).toBe(HEAD);
  });
});

describe("a verdict stands until a newer result replaces it", () => {
  const others = () => allPassed().filter((x) => x.lane !== "smoke");

  it("keeps a passed lane passed, and the branch ready, while its rerun is queued or running", () => {
    for (const status of ["waiting", "queued", "running"] as const) {
      const pass = run("smoke", "passed", { at: 10 });
      const again = run("smoke", status, { at: 20, attempt: 2 });
      const r = readiness([...others(), pass, again]);
      expect(r.lanes.smoke, status).toMatchObject({
        state: "passed",
        headRun: pass,
        rerun: again,
        flaky: false,
        stalePass: null,
      });
      expect(r.releaseReady, status).toBe(true);
      expect(r.missing, status).toEqual([]);
      expect(runUnderWay(r.lanes.smoke), status).toBe(again);
    }
  });

  it("lets the rerun's result count once it ends: a failure makes the lane failed, a pass keeps it green", () => {
    const pass = run("smoke", "passed", { at: 10 });
    const failed = readiness([...others(), pass, run("smoke", "failed", { at: 20, attempt: 2 })]);
    expect(failed.lanes.smoke).toMatchObject({ state: "failed", rerun: null, flaky: false });
    expect(failed.releaseReady).toBe(false);
    expect(failed.missing).toEqual(["smoke"]);
    const passedAgain = readiness([...others(), pass, run("smoke", "passed", { at: 20, attempt: 2 })]);
    expect(passedAgain.lanes.smoke).toMatchObject({ state: "passed", rerun: null, flaky: false });
  });

  it("keeps a pass after a failure on the commit flaky, through a later rerun and its pass", () => {
    const fail = run("smoke", "failed", { at: 10 });
    const pass = run("smoke", "passed", { at: 20, attempt: 2 });
    const rerunning = readiness([...others(), fail, pass, run("smoke", "running", { at: 30, attempt: 3 })]);
    expect(rerunning.lanes.smoke).toMatchObject({ state: "passed", headRun: pass, flaky: true });
    expect(rerunning.releaseReady).toBe(true);
    const passedAgain = readiness([...others(), fail, pass, run("smoke", "passed", { at: 30, attempt: 3 })]);
    expect(passedAgain.lanes.smoke).toMatchObject({ state: "passed", flaky: true, rerun: null });
  });

  it("keeps a failed lane failed (missing, not green) while its rerun runs, with the rerun shown", () => {
    const oldPass = run("smoke", "passed", { sha: OLD, at: 1 });
    const fail = run("smoke", "timed_out", { at: 10 });
    const again = run("smoke", "running", { at: 20, attempt: 2 });
    const r = readiness([...others(), oldPass, fail, again]);
    expect(r.lanes.smoke).toMatchObject({ state: "failed", headRun: fail, rerun: again, stalePass: oldPass });
    expect(r.releaseReady).toBe(false);
    expect(r.missing).toEqual(["smoke"]);
  });

  it("takes the newest final run, not the newest to finish, and ignores an older run still under way", () => {
    const stuck = run("smoke", "running", { at: 10 });
    const fail = run("smoke", "failed", { at: 20, attempt: 2 });
    const r = readiness([...others(), run("smoke", "passed", { at: 5 }), stuck, fail]);
    expect(r.lanes.smoke).toMatchObject({ state: "failed", headRun: fail, rerun: null });
    expect(runUnderWay(r.lanes.smoke)).toBeNull();
  });

  it("shows the newest of several runs under way as the rerun", () => {
    const pass = run("smoke", "passed", { at: 10 });
    const queued = run("smoke", "queued", { at: 30, attempt: 3 });
    const r = readiness([...others(), pass, run("smoke", "running", { at: 20, attempt: 2 }), queued]);
    expect(r.lanes.smoke).toMatchObject({ state: "passed", headRun: pass, rerun: queued });
  });

  it("is queued or running, with no rerun, while the head has no final run of the lane", () => {
    const running = run("smoke", "running", { at: 20, attempt: 2 });
    const r = readiness([...others(), run("smoke", "queued", { at: 10 }), running]);
    expect(r.lanes.smoke).toMatchObject({ state: "running", headRun: running, rerun: null });
    expect(runUnderWay(r.lanes.smoke)).toBe(running);
    expect(r.releaseReady).toBe(false);
  });
});

describe("lanesToRun", () => {
  it("adds needs that are not passed on the head, dependencies first", () => {
    expect(lanesToRun(readiness([]), CATALOG, ["matrix"])).toEqual(["guard", "smoke", "matrix"]);
    expect(lanesToRun(readiness([run("guard", "passed", { sha: OLD })]), CATALOG, ["iso"])).toEqual(["guard", "iso"]);
  });

  it("skips needs already passed, running or queued on the head, but not what was asked for", () => {
    expect(lanesToRun(readiness([run("guard", "passed")]), CATALOG, ["iso", "e2e"])).toEqual(["iso", "e2e"]);
    expect(lanesToRun(readiness([run("guard", "running")]), CATALOG, ["iso"])).toEqual(["iso"]);
    expect(lanesToRun(readiness([run("guard", "failed")]), CATALOG, ["iso"])).toEqual(["guard", "iso"]);
    expect(
      lanesToRun(readiness([run("guard", "passed"), run("smoke", "passed")]), CATALOG, ["smoke", "guard"]),
    ).toEqual(["guard", "smoke"]);
    // a passed need stops the walk: its own needs are not rerun for it
    expect(lanesToRun(readiness([run("smoke", "passed")]), CATALOG, ["matrix"])).toEqual(["matrix"]);
  });

  it("does not run again a need whose rerun is under way, failed or passed", () => {
    const failedRerunning = readiness([
      run("guard", "failed", { at: 1 }),
      run("guard", "running", { at: 2, attempt: 2 }),
    ]);
    expect(lanesToRun(failedRerunning, CATALOG, ["iso"])).toEqual(["iso"]);
    const passedRerunning = readiness([
      run("guard", "passed", { at: 1 }),
      run("guard", "queued", { at: 2, attempt: 2 }),
    ]);
    expect(lanesToRun(passedRerunning, CATALOG, ["iso"])).toEqual(["iso"]);
  });

  it("reruns what a gate misses, each lane once", () => {
    const r = readiness([run("guard", "failed"), run("smoke", "passed")]);
    const missing = r.gates.flatMap((g) => (g.gate.release ? g.missing : []));
    expect(lanesToRun(r, CATALOG, missing)).toEqual(["guard", "iso", "e2e", "matrix"]);
  });

  it("refuses an unknown lane", () => {
    expect(() => lanesToRun(readiness([]), CATALOG, ["nope"])).toThrow(/unknown lane "nope"/);
  });
});
