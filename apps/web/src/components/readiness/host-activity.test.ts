import { describe, expect, it } from "vitest";
import { hostActivity } from "./host-activity";

describe("what a host's slots hold", () => {
  it("counts slots a worker holds for runs it is still preparing, and never fewer than its running runs", () => {
    expect(hostActivity(0, 0)).toEqual({ inUse: 0, preparing: 0 });
    expect(hostActivity(2, 0)).toEqual({ inUse: 2, preparing: 2 });
    expect(hostActivity(2, 1)).toEqual({ inUse: 2, preparing: 1 });
    // a heartbeat older than a run's start
    expect(hostActivity(0, 1)).toEqual({ inUse: 1, preparing: 0 });
  });
});
