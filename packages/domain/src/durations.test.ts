import { describe, expect, it } from "vitest";
import { heldSeconds, laneEnd, laneSeconds } from "./durations";

const at = (s: number) => new Date(Date.parse("2026-12-01T00:00:00Z") + s * 1000);

describe("lane time and hold time", () => {
  it("is started → lane end for a held run; the hold is counted apart", () => {
    const held = { startedAt: at(0), laneEndedAt: at(5), finishedAt: at(605) };
    expect(laneSeconds(held)).toBe(5);
    expect(heldSeconds(held)).toBe(600);
    expect(laneEnd(held)).toEqual(at(5));
  });

  it("is started → finished for an unheld run, whether or not its lane end was stored", () => {
    expect(laneSeconds({ startedAt: at(0), laneEndedAt: at(42), finishedAt: at(42) })).toBe(42);
    expect(heldSeconds({ startedAt: at(0), laneEndedAt: at(42), finishedAt: at(42) })).toBeNull();
    // runs from before the column, and runs canceled or lost by someone other than their worker
    expect(laneSeconds({ startedAt: at(0), laneEndedAt: null, finishedAt: at(42) })).toBe(42);
    expect(laneSeconds({ startedAt: at(0), finishedAt: at(0.4) })).toBeCloseTo(0.4);
    expect(heldSeconds({ startedAt: at(0), finishedAt: at(42) })).toBeNull();
  });

  it("has no duration while the lane runs; a hold still going counts up to now", () => {
    expect(laneSeconds({ startedAt: at(0), laneEndedAt: null, finishedAt: null })).toBeNull();
    expect(laneSeconds({ startedAt: null, laneEndedAt: null, finishedAt: at(3) })).toBeNull(); // canceled before it started
    const holding = { startedAt: at(0), laneEndedAt: at(7), finishedAt: null };
    expect(laneSeconds(holding)).toBe(7);
    expect(heldSeconds(holding, at(67))).toBe(60);
  });

  it("shows clock skew as zero, never negative", () => {
    expect(laneSeconds({ startedAt: at(10), finishedAt: at(9) })).toBe(0);
    expect(heldSeconds({ startedAt: at(0), laneEndedAt: at(10), finishedAt: at(9) })).toBeNull();
  });
});
