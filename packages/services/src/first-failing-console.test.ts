import { describe, expect, it } from "vitest";
import { firstFailingConsole, type ConsoleView } from "./consoles";

function view(name: string, o: { markerAt?: string; seq?: number; verdict?: string; kind?: string } = {}): ConsoleView {
  return {
    name,
    kind: o.kind ?? (name === "harness" ? "harness" : "vm"),
    length: 100,
    closed: true,
    lines: 3,
    verdict: o.verdict ?? null,
    expectedFrom: null,
    markers: o.markerAt
      ? [{ line: 2, offset: 10, kind: "fail", text: "FAIL: x", at: o.markerAt, seq: o.seq ?? null }]
      : [],
    expiresOn: null,
    droppedAt: null,
  };
}

describe("firstFailingConsole", () => {
  it("prefers the VM whose marker came first, then a VM failed by its verdict", () => {
    const t = (s: number) => new Date(Date.UTC(2026, 11, 5, 0, 0, s)).toISOString();
    expect(
      firstFailingConsole([
        view("harness", { markerAt: t(1) }),
        view("node02", { markerAt: t(3) }),
        view("node01", { markerAt: t(5) }),
      ]),
    ).toBe("node02");
    expect(firstFailingConsole([view("harness", { markerAt: t(1) }), view("node01", { verdict: "failed" })])).toBe(
      "node01",
    );
  });

  it("goes by the order the run's output came when the worker kept it, whatever the storage times", () => {
    const same = new Date(Date.UTC(2026, 11, 5)).toISOString();
    const later = new Date(Date.UTC(2026, 11, 5, 0, 0, 1)).toISOString();
    expect(
      firstFailingConsole([view("node01", { markerAt: same, seq: 12 }), view("node03", { markerAt: same, seq: 11 })]),
    ).toBe("node03");
    // node03's console flushed later, but its line came first
    expect(
      firstFailingConsole([view("node01", { markerAt: same, seq: 12 }), view("node03", { markerAt: later, seq: 11 })]),
    ).toBe("node03");
  });

  it("falls back to the harness when only it marks a failure, and to nothing when none does", () => {
    const at = new Date(0).toISOString();
    expect(firstFailingConsole([view("harness", { markerAt: at }), view("node01", { verdict: "passed" })])).toBe(
      "harness",
    );
    expect(firstFailingConsole([view("harness", { markerAt: at })])).toBe("harness");
    expect(firstFailingConsole([view("harness"), view("node01", { verdict: "passed" })])).toBeNull();
    // an operation's typed session is never where a run failed
    expect(firstFailingConsole([view("harness"), view("op-1", { kind: "operation", markerAt: at })])).toBeNull();
  });
});
