import { describe, expect, it } from "vitest";
import { auditSummary } from "./audit";

describe("auditSummary", () => {
  it("calls a lane's first run on its commit a run, and a later attempt a rerun, as the run header does", () => {
    const input = { branch: "main", lane: "fresh-smoke" };
    expect(auditSummary("runs.rerun", input, { id: "r1", attempt: 1 })).toBe("run");
    expect(auditSummary("runs.rerun", input, { id: "r2", attempt: 2 })).toBe("rerun");
    expect(auditSummary("runs.rerun", { ...input, holdMinutes: 30 }, { attempt: 1 })).toBe("run with a 30 min hold");
    expect(auditSummary("runs.rerun", { ...input, holdMinutes: 30 }, { attempt: 3 })).toBe("rerun with a 30 min hold");
    // refused or failed: no run came of it, and nothing says it was a first run
    expect(auditSummary("runs.rerun", input, undefined)).toBe("rerun");
  });
});
