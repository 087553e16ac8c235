import { describe, expect, it } from "vitest";
import { formatTimeout } from "./lane-state";

describe("a lane's timeout, as the catalog and the run page show it", () => {
  it("keeps seconds under a minute, and never reads as zero", () => {
    expect(formatTimeout(1)).toBe("1s");
    expect(formatTimeout(20)).toBe("20s");
    expect(formatTimeout(59)).toBe("59s");
    expect(formatTimeout(60)).toBe("1m");
    expect(formatTimeout(600)).toBe("10m");
    expect(formatTimeout(3600)).toBe("1h");
    expect(formatTimeout(5400)).toBe("1h 30m");
  });
});
