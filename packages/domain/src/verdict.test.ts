import { describe, expect, it } from "vitest";
import { parseCatalog } from "./catalog";
import { computeBranchReadiness } from "./readiness";
import type { RunStatus, RunSummary } from "./types";
import { componentCoverage, estimateVerdict } from "./verdict";

const HEAD = "a".repeat(40);
const catalog = parseCatalog(
  `version: 1
name: t
profiles:
  - { id: p, name: P, outputs: [], requiredComponents: [chainfire, iam], optionalComponents: [fiberlb] }
lanes:
  - { name: guard, description: d, command: ["true"], group: regression-guard, host: tcg, timeoutSeconds: 60, expectedSeconds: 30, covers: [] }
  - { name: smoke, description: d, command: ["true"], group: publishable, host: tcg, timeoutSeconds: 60, expectedSeconds: 600, needs: [guard], covers: [chainfire, iam] }
  - { name: matrix, description: d, command: ["true"], group: publishable, host: tcg, timeoutSeconds: 60, covers: [fiberlb], needs: [guard] }
gates:
  - { id: g, name: G, lanes: [smoke, matrix], release: true }
`,
  "t.yaml",
);

let n = 0;
function run(lane: string, status: RunStatus, attempt = 1, startedAgoS: number | null = null): RunSummary {
  const now = Date.now();
  return {
    id: `r${++n}`,
    lane,
    commitSha: HEAD,
    status,
    attempt,
    queuedAt: new Date(now - 10_000 + attempt),
    startedAt: startedAgoS === null ? null : new Date(now - startedAgoS * 1000),
    finishedAt: null,
  };
}
const readiness = (runs: RunSummary[]) => computeBranchReadiness({ headSha: HEAD, catalog, runs });

describe("estimateVerdict", () => {
  it("knows the verdict when a release lane failed or everything passed", () => {
    expect(
      estimateVerdict(readiness([run("smoke", "failed"), run("matrix", "running", 1, 5)]), catalog, {}, new Date())
        .kind,
    ).toBe("not-ready");
    expect(
      estimateVerdict(readiness([run("smoke", "passed"), run("matrix", "passed")]), catalog, {}, new Date()).kind,
    ).toBe("ready");
  });

  it("adds up the needs chain and subtracts what a running lane already spent", () => {
    const r = readiness([run("guard", "running", 1, 10), run("smoke", "waiting"), run("matrix", "waiting")]);
    const e = estimateVerdict(r, catalog, { matrix: 120 }, new Date());
    // guard: 30 - 10 = 20 left; smoke waits for it: 20 + 600; matrix: 20 + 120
    expect(e).toEqual({ kind: "pending", seconds: 620, unknown: [], noHost: [] });
  });

  it("counts no lane time left for a held run whose lane ended: it waits only for its operator", () => {
    const held = { ...run("guard", "running", 1, 10), laneEndedAt: new Date(Date.now() - 5000) };
    const e = estimateVerdict(
      readiness([held, run("smoke", "waiting"), run("matrix", "waiting")]),
      catalog,
      { matrix: 120 },
      new Date(),
    );
    // guard's lane took 5 s and is over (not 30 - 10 = 20 s left): smoke 600, matrix 120 after it
    expect(e).toEqual({ kind: "pending", seconds: 600, unknown: [], noHost: [] });
  });

  it("places lanes on the live hosts' slots: one slot runs them one after another", () => {
    const r = readiness([run("guard", "running", 1, 10), run("smoke", "waiting"), run("matrix", "waiting")]);
    const oneSlot = [{ classes: ["tcg"], slots: 1 }];
    // guard ends at 20; smoke (first in the catalog) 20..620 on the one slot; matrix 620..740
    expect(estimateVerdict(r, catalog, { matrix: 120 }, new Date(), oneSlot).seconds).toBe(740);
    // Two slots, even split over two hosts: smoke and matrix run side by side after guard.
    const twoHosts = [
      { classes: ["tcg", "kvm"], slots: 1 },
      { classes: ["tcg"], slots: 1 },
    ];
    expect(estimateVerdict(r, catalog, { matrix: 120 }, new Date(), twoHosts).seconds).toBe(620);
    // A host of another class does not help.
    expect(
      estimateVerdict(r, catalog, { matrix: 120 }, new Date(), [...oneSlot, { classes: ["kvm"], slots: 8 }]).seconds,
    ).toBe(740);
  });

  it("says which lanes no live host can run, instead of a time", () => {
    const r = readiness([run("guard", "passed"), run("smoke", "queued"), run("matrix", "queued")]);
    const e = estimateVerdict(r, catalog, { matrix: 120 }, new Date(), [{ classes: ["kvm"], slots: 2 }]);
    expect(e).toEqual({ kind: "pending", seconds: null, unknown: [], noHost: ["smoke", "matrix"] });
    expect(estimateVerdict(r, catalog, { matrix: 120 }, new Date(), []).noHost).toEqual(["smoke", "matrix"]);
  });

  it("waits for a failed lane's rerun under way, counting what the rerun spent; a passed lane's rerun changes nothing", () => {
    const r = readiness([
      run("guard", "passed"),
      run("smoke", "failed", 1),
      run("smoke", "running", 2, 100),
      run("matrix", "passed"),
    ]);
    expect(r.lanes.smoke?.state).toBe("failed");
    expect(estimateVerdict(r, catalog, {}, new Date())).toEqual({
      kind: "pending",
      seconds: 500,
      unknown: [],
      noHost: [],
    });
    const green = readiness([
      run("guard", "passed"),
      run("smoke", "passed", 1),
      run("smoke", "running", 2, 100),
      run("matrix", "passed"),
    ]);
    expect(estimateVerdict(green, catalog, {}, new Date()).kind).toBe("ready");
  });

  it("says when nothing is queued or a duration is unknown", () => {
    expect(estimateVerdict(readiness([run("smoke", "queued")]), catalog, {}, new Date()).kind).toBe("not-started");
    const e = estimateVerdict(readiness([run("smoke", "queued"), run("matrix", "queued")]), catalog, {}, new Date());
    expect(e).toMatchObject({ kind: "pending", seconds: null, unknown: ["matrix"] });
  });
});

describe("flaky passes and coverage", () => {
  it("a pass after a failed attempt on the same commit is flaky, still counted", () => {
    const r = readiness([run("smoke", "failed", 1), run("smoke", "passed", 2), run("matrix", "passed")]);
    expect(r.lanes.smoke).toMatchObject({ state: "passed", flaky: true });
    expect(r.lanes.matrix?.flaky).toBe(false);
    expect(r.releaseReady).toBe(true);
  });

  it("lists components proven by lanes green on the head", () => {
    const cov = componentCoverage(readiness([run("smoke", "passed"), run("matrix", "failed")]), catalog);
    expect(cov).toEqual([
      { component: "chainfire", provenBy: ["smoke"], coveredBy: ["smoke"] },
      { component: "fiberlb", provenBy: [], coveredBy: ["matrix"] },
      { component: "iam", provenBy: ["smoke"], coveredBy: ["smoke"] },
    ]);
  });
});
