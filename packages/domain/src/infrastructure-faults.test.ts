import { describe, expect, it } from "vitest";
import {
  cleanFaultMessage,
  faultSummary,
  formatWait,
  infrastructureRetryReason,
  nextInfrastructureRetry,
  retryStartsIn,
  TARGET_FAULT_MAX_CHARS,
} from "./infrastructure-faults";

describe("nextInfrastructureRetry", () => {
  it("retries three times in a row, at once, then after 30 s and 120 s, then stops", () => {
    const plans = [0, 1, 2, 3].map((n) => nextInfrastructureRetry(n, 3));
    expect(plans).toEqual([
      { number: 1, of: 3, delaySeconds: 0 },
      { number: 2, of: 3, delaySeconds: 30 },
      { number: 3, of: 3, delaySeconds: 120 },
      null,
    ]);
  });

  it("backs off further past the third retry, up to ten minutes", () => {
    const delays = [3, 4, 5, 6].map((n) => nextInfrastructureRetry(n, 10)?.delaySeconds);
    expect(delays).toEqual([480, 600, 600, 600]);
  });

  it("never retries when retries are off", () => {
    expect(nextInfrastructureRetry(0, 0)).toBeNull();
  });

  it("refuses a count that is not one", () => {
    expect(() => nextInfrastructureRetry(-1, 3)).toThrow(/not a retry count/);
    expect(() => nextInfrastructureRetry(1.5, 3)).toThrow(/not a retry count/);
  });
});

describe("retry texts", () => {
  it("says which retry it is and when it starts", () => {
    expect(infrastructureRetryReason({ number: 2, of: 3, delaySeconds: 30 })).toBe(
      "automatic retry 2 of 3 after an infrastructure fault; starts in 30 s",
    );
    expect(infrastructureRetryReason({ number: 3, of: 3, delaySeconds: 120 })).toBe(
      "automatic retry 3 of 3 after an infrastructure fault; starts in 2 min",
    );
    expect(infrastructureRetryReason({ number: 1, of: 3, delaySeconds: 0 })).toBe(
      "automatic retry 1 of 3 after an infrastructure fault",
    );
  });

  it("counts down to the due time, then says nothing", () => {
    const now = new Date("2026-12-01T10:00:00Z");
    expect(retryStartsIn(new Date("2026-12-01T10:00:22.400Z"), now)).toBe(
      "automatic retry after an infrastructure fault; starts in 23 s",
    );
    expect(retryStartsIn(now, now)).toBeNull();
    expect([formatWait(0), formatWait(119), formatWait(121), formatWait(-3)]).toEqual(["0 s", "119 s", "3 min", "0 s"]);
  });
});

describe("cleanFaultMessage", () => {
  it("keeps git's words and joins its lines", () => {
    expect(
      cleanFaultMessage(
        "git fetch failed: fatal: bad object refs/heads/broken\nerror: origin did not send all necessary objects\n",
      ),
    ).toBe("git fetch failed: fatal: bad object refs/heads/broken / error: origin did not send all necessary objects");
  });

  it("drops escape sequences and control characters, so a hostile remote cannot paint the page or the terminal", () => {
    const hostile = "fatal: \x1b[31mred\x1b[0m \x1b]0;title\x07bell\x07 nul\x00 back\bspace\r\nnext\u009b2Jline";
    expect(cleanFaultMessage(hostile)).toBe("fatal: red bell nul backspace / nextline");
  });

  it("caps a very long message", () => {
    const long = cleanFaultMessage(`fatal: ${"x".repeat(100_000)}`);
    expect(long.length).toBe(TARGET_FAULT_MAX_CHARS);
    expect(long.endsWith("…")).toBe(true);
  });

  it("never stores an empty message", () => {
    expect(cleanFaultMessage("\x1b[0m\n\n")).toBe("unknown error");
  });
});

describe("faultSummary", () => {
  it("shows git's first line and marks what it leaves out", () => {
    expect(
      faultSummary(
        "git fetch failed: fatal: bad object refs/heads/broken / error: origin did not send all necessary objects",
      ),
    ).toBe("fatal: bad object refs/heads/broken …");
    expect(faultSummary("connection refused")).toBe("connection refused");
    expect(faultSummary("y".repeat(300), 10)).toBe(`${"y".repeat(10)} …`);
  });
});
