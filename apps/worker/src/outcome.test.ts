import { describe, expect, it } from "vitest";
import { outcomeOf, type OutcomeInput } from "./outcome";

const ok = { exitCode: 0, signal: null, timedOut: false, canceled: false, spawnError: null };
const base: OutcomeInput = {
  process: ok,
  timeoutSeconds: 60,
  aborted: null,
  unsupportedExitCodes: [77],
  lastLine: null,
  vmFailures: [],
};

describe("outcomeOf", () => {
  it("tells the kinds apart", () => {
    expect(outcomeOf(base)).toMatchObject({ status: "passed", failureKind: null });
    expect(outcomeOf({ ...base, process: { ...ok, exitCode: 3 }, lastLine: "boom" })).toMatchObject({
      status: "failed",
      failureKind: "test",
      reason: "exited with 3: boom",
    });
    expect(outcomeOf({ ...base, process: { ...ok, exitCode: 77 }, lastLine: "no /dev/kvm" })).toMatchObject({
      status: "unsupported",
      failureKind: "unsupported",
      reason: "stopped at preflight (exit 77): no /dev/kvm",
    });
    expect(outcomeOf({ ...base, process: { ...ok, exitCode: null, timedOut: true } })).toMatchObject({
      status: "timed_out",
      failureKind: "timeout",
    });
    expect(outcomeOf({ ...base, aborted: "cancel", process: { ...ok, exitCode: null, canceled: true } })).toMatchObject(
      { status: "canceled", failureKind: "canceled" },
    );
    expect(outcomeOf({ ...base, aborted: "shutdown" })).toMatchObject({
      status: "lost",
      failureKind: "infrastructure",
    });
    // killed because the spool filled up: never the lane's verdict
    expect(
      outcomeOf({ ...base, aborted: "storage", process: { ...ok, exitCode: null, signal: "SIGTERM" } }),
    ).toMatchObject({ status: "error", failureKind: "infrastructure" });
    expect(outcomeOf({ ...base, vmFailures: ["node02: RESULT FAIL"] })).toMatchObject({
      status: "failed",
      reason: "node02: RESULT FAIL",
    });
    const enoent = Object.assign(new Error("spawn nix ENOENT"), { code: "ENOENT" });
    expect(outcomeOf({ ...base, process: { ...ok, exitCode: null, spawnError: enoent } })).toMatchObject({
      status: "unsupported",
      failureKind: "unsupported",
    });
    expect(outcomeOf({ ...base, process: { ...ok, exitCode: null, spawnError: new Error("EMFILE") } })).toMatchObject({
      status: "error",
      failureKind: "infrastructure",
    });
  });

  it("a person's cancel wins over a timeout that happened while stopping", () => {
    expect(outcomeOf({ ...base, aborted: "cancel", process: { ...ok, exitCode: null, timedOut: true } }).status).toBe(
      "canceled",
    );
  });
});
