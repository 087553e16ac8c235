import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { RedisUnavailableError } from "@proofboard/jobs";
import { toTRPCError } from "./trpc";

describe("toTRPCError", () => {
  it("turns a Redis outage into 503 with what to do, not a bare internal error", () => {
    const mapped = toTRPCError(new RedisUnavailableError("sending input: no answer within 2000 ms"));
    expect(mapped).toBeInstanceOf(TRPCError);
    expect((mapped as TRPCError).code).toBe("SERVICE_UNAVAILABLE");
    expect((mapped as TRPCError).message).toBe(
      "Redis unreachable: sending input: no answer within 2000 ms; try again once Redis answers",
    );
  });

  it("leaves an error it does not know alone", () => {
    const other = new Error("boom");
    expect(toTRPCError(other)).toBe(other);
  });
});
