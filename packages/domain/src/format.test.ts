import { describe, expect, it } from "vitest";
import { formatDuration, shortSha } from "./format";

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [999, "0s"],
    [12_000, "12s"],
    [59_999, "59s"],
    [60_000, "1m 00s"],
    [245_000, "4m 05s"],
    [3_599_000, "59m 59s"],
    [3_600_000, "1h 00m"],
    [3_725_000, "1h 02m"],
    [26 * 3_600_000 + 7 * 60_000, "26h 07m"],
  ])("%d ms -> %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("shows nonsense input as zero rather than a negative or NaN duration", () => {
    expect(formatDuration(-5_000)).toBe("0s");
    expect(formatDuration(Number.NaN)).toBe("0s");
  });
});

describe("shortSha", () => {
  it("keeps the first 10 characters", () => {
    expect(shortSha("0123456789abcdef0123456789abcdef01234567")).toBe("0123456789");
    expect(shortSha("abc")).toBe("abc");
  });
});
