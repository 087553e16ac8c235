import { describe, expect, it } from "vitest";
import { isRegression, lowerIsBetter, parseMetricLine } from "./metrics";

describe("benchmark metrics", () => {
  it("parses the documented line format and nothing else", () => {
    expect(parseMetricLine("PROOFBOARD_METRIC write_throughput=412.5 MB/s")).toEqual({
      name: "write_throughput",
      value: 412.5,
      unit: "MB/s",
    });
    expect(parseMetricLine("PROOFBOARD_METRIC p99_latency=3.2e-3 s\r")).toEqual({
      name: "p99_latency",
      value: 0.0032,
      unit: "s",
    });
    expect(parseMetricLine("PROOFBOARD_METRIC iops=1200")).toEqual({ name: "iops", value: 1200, unit: "" });
    for (const bad of [
      "PROOFBOARD_METRIC =1",
      "PROOFBOARD_METRIC x=abc",
      "x PROOFBOARD_METRIC a=1",
      "PROOFBOARD_METRIC ../a=1",
      "PROOFBOARD_METRIC a=1 \x1b[31m",
    ]) {
      expect(parseMetricLine(bad), bad).toBeNull();
    }
  });

  it("knows which way is better", () => {
    expect(lowerIsBetter("ms")).toBe(true);
    expect(lowerIsBetter("MB/s")).toBe(false);
    expect(lowerIsBetter("", "p99_latency")).toBe(true);
  });

  it("flags a move of more than 10% the wrong way against the recent median", () => {
    expect(isRegression([400], "MB/s")).toBeNull();
    expect(isRegression([400, 410, 405, 350], "MB/s")).toBe(true);
    expect(isRegression([400, 410, 405, 395], "MB/s")).toBe(false);
    expect(isRegression([10, 11, 10, 12.5], "ms")).toBe(true);
    expect(isRegression([10, 11, 10, 8], "ms")).toBe(false);
  });
});
