import { describe, expect, it } from "vitest";
import { canTransition, failureKindOf, isTerminal, retriesByItself, statusLabel } from "./run-state";
import { FAILURE_KINDS, RUN_STATUSES, type RunStatus } from "./types";

const TERMINAL: RunStatus[] = ["passed", "failed", "timed_out", "unsupported", "canceled", "lost", "error", "skipped"];

describe("run state machine", () => {
  it("knows which states are terminal", () => {
    expect(RUN_STATUSES.filter(isTerminal)).toEqual(TERMINAL);
  });

  it("lets a queued run start or be canceled, and nothing else", () => {
    expect(RUN_STATUSES.filter((to) => canTransition("queued", to))).toEqual(["running", "canceled"]);
  });

  it("lets a running run end in any terminal state, but not go back", () => {
    // Only a run that never started is skipped.
    expect(RUN_STATUSES.filter((to) => canTransition("running", to))).toEqual(TERMINAL.filter((s) => s !== "skipped"));
    expect(canTransition("running", "queued")).toBe(false);
    expect(canTransition("running", "running")).toBe(false);
  });

  it("lets a waiting run be queued, skipped or canceled", () => {
    expect(RUN_STATUSES.filter((to) => canTransition("waiting", to))).toEqual(["queued", "canceled", "skipped"]);
  });

  it("never moves a terminal run", () => {
    for (const from of TERMINAL)
      for (const to of RUN_STATUSES) expect(canTransition(from, to), `${from}->${to}`).toBe(false);
  });

  it("classifies failures by kind", () => {
    expect(RUN_STATUSES.map((s) => [s, failureKindOf(s)])).toEqual([
      ["waiting", null],
      ["queued", null],
      ["running", null],
      ["passed", null],
      ["failed", "test"],
      ["timed_out", "timeout"],
      ["unsupported", "unsupported"],
      ["canceled", "canceled"],
      ["lost", "infrastructure"],
      ["error", "infrastructure"],
      ["skipped", "skipped"],
    ]);
  });

  it("retries only infrastructure faults by itself", () => {
    expect(FAILURE_KINDS.filter(retriesByItself)).toEqual(["infrastructure"]);
    expect(retriesByItself(null)).toBe(false);
  });

  it("labels every status for people", () => {
    expect(statusLabel("timed_out")).toBe("timed out");
    expect(statusLabel("unsupported")).toBe("unsupported on this host");
    expect(statusLabel("lost")).toBe("lost (host stopped heartbeating)");
    expect(statusLabel("error")).toBe("infrastructure error");
    expect(new Set(RUN_STATUSES.map(statusLabel)).size).toBe(RUN_STATUSES.length);
  });
});
