import { describe, expect, it } from "vitest";
import { formatApprox, formatClock, formatRelative } from "./time";

const now = Date.parse("2026-11-27T12:00:00Z");
const ago = (ms: number) => new Date(now - ms);

describe("formatRelative", () => {
  it("uses the coarsest unit that still says something", () => {
    expect(formatRelative(ago(20_000), now)).toBe("just now");
    expect(formatRelative(ago(3 * 60_000 + 59_000), now)).toBe("3m ago");
    expect(formatRelative(ago(5 * 3_600_000), now)).toBe("5h ago");
    expect(formatRelative(ago(2 * 86_400_000), now)).toBe("2d ago");
  });

  it("shows a date past a month and tolerates clock skew and bad input", () => {
    expect(formatRelative(ago(40 * 86_400_000), now)).toBe("2026-10-18");
    expect(formatRelative(ago(-30_000), now)).toBe("just now");
    expect(formatRelative(ago(-5 * 60_000), now)).toBe("in 5m");
    expect(formatRelative(new Date("nope"), now)).toBe("—");
  });

  it("counts seconds under a minute when asked (heartbeats), and minutes past it", () => {
    expect(formatRelative(ago(400), now, true)).toBe("0s ago");
    expect(formatRelative(ago(14_999), now, true)).toBe("14s ago");
    expect(formatRelative(ago(-3_000), now, true)).toBe("in 3s");
    expect(formatRelative(ago(61_000), now, true)).toBe("1m ago");
    expect(formatRelative(new Date(Number.NaN), now, true)).toBe("—");
  });
});

describe("formatClock", () => {
  it("pads minutes and seconds and adds hours only when needed", () => {
    expect(formatClock(0)).toBe("00:00");
    expect(formatClock(65_900)).toBe("01:05");
    expect(formatClock(3_723_000)).toBe("1:02:03");
    expect(formatClock(-5_000)).toBe("00:00");
    expect(formatClock(Number.NaN)).toBe("00:00");
  });
});

describe("formatApprox", () => {
  it("rounds to seconds, minutes or hours and minutes", () => {
    expect(formatApprox(44_600)).toBe("~45s");
    expect(formatApprox(12 * 60_000 + 20_000)).toBe("~12m");
    expect(formatApprox(90 * 60_000)).toBe("~1h 30m");
    expect(formatApprox(120 * 60_000)).toBe("~2h");
  });
});
