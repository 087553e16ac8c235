import { describe, expect, it } from "vitest";
import { rerunLabel, runUnderWay } from "./rerun-state";

const run = (id: string, status: string) => ({ id, status });

describe("what a lane shows of a run under way", () => {
  it("is the rerun behind a standing verdict, or the head run while no result is known", () => {
    expect(runUnderWay({ state: "passed", headRun: run("a", "passed"), rerun: run("b", "running") })?.id).toBe("b");
    expect(runUnderWay({ state: "failed", headRun: run("a", "failed"), rerun: run("b", "queued") })?.id).toBe("b");
    expect(runUnderWay({ state: "running", headRun: run("a", "running"), rerun: null })?.id).toBe("a");
    expect(runUnderWay({ state: "queued", headRun: run("a", "waiting"), rerun: null })?.id).toBe("a");
    expect(runUnderWay({ state: "failed", headRun: run("a", "failed"), rerun: null })).toBeNull();
    expect(runUnderWay({ state: "never-run", headRun: null, rerun: null })).toBeNull();
    expect(runUnderWay(null)).toBeNull();
  });

  it("says re-running only for a running rerun, rerun queued for one still waiting for a host or its needs", () => {
    expect(rerunLabel(run("b", "running"))).toBe("re-running");
    expect(rerunLabel(run("b", "queued"))).toBe("rerun queued");
    expect(rerunLabel(run("b", "waiting"))).toBe("rerun queued");
    expect(rerunLabel(null)).toBeNull();
  });
});
