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
    id: `r${++n}`, lane, commitSha: HEAD, status, attempt, queuedAt: new Date(now - 10_000 + attempt),
    startedAt: startedAgoS === null ? null : new Date(now - startedAgoS * 1000), finishedAt: null,
  };
}
const readiness = (runs: RunSummary[]) => computeBranchReadiness({ headSha: HEAD, catalog, runs });

describe("estimateVerdict", () => {
  it("knows the verdict when a release lane failed or everything passed", () => {
    expect(estimateVerdict(readiness([run("smoke", "failed"), run("matrix", "running", 1, 5)]), catalog, {}, new Date()).kind).toBe("not-ready");
    expect(estimateVerdict(readiness([run("smoke", "passed"), run("matrix", "passed")]), catalog, {}, new Date()).kind).toBe("ready");
  });

  it("adds up the needs chain and subtracts what a running lane already spent", () => {
    const r = readiness([run("guard", "running", 1, 10), run("smoke", "waiting"), run("matrix", "waiting")]);
    const e = estimateVerdict(r, catalog, { matrix: 120 }, new Date());
    // guard: 30 - 10 = 20 left; smoke waits for it: 20 + 600; matrix: 20 + 120
    expect(e).toEqual({ kind: "pending", seconds: 620, unknown: [] });
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
