import { describe, expect, it } from "vitest";
import { firstFailingConsole, type ConsoleView } from "./consoles";

function view(name: string, o: { markerAt?: string; verdict?: string; kind?: string } = {}): ConsoleView {
  return {
    name,
    kind: o.kind ?? (name === "harness" ? "harness" : "vm"),
    length: 100,
    closed: true,
    lines: 3,
    verdict: o.verdict ?? null,
    expectedFrom: null,
    markers: o.markerAt
      ? [{ line: 2, offset: 10, text: "FAIL: x", at: o.markerAt } as ConsoleView["markers"][number]]
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
