import { describe, expect, it } from "vitest";
import {
  askedByPerson,
  attemptKind,
  attemptLabel,
  isRunTrigger,
  parseRetryDetail,
  retryDetail,
  runOriginLabel,
  type RunOrigin,
} from "./run-origin";

const origin = (o: Partial<RunOrigin>): RunOrigin => ({
  trigger: "manual",
  requestedBy: null,
  attempt: 1,
  branch: "main",
  triggerDetail: null,
  ...o,
});

describe("runOriginLabel", () => {
  it("names the person who asked, first run or rerun", () => {
    expect(runOriginLabel(origin({ requestedBy: "olga" }))).toBe("run by olga");
    expect(runOriginLabel(origin({ requestedBy: "olga", attempt: 2 }))).toBe("rerun by olga");
    expect(runOriginLabel(origin({ requestedBy: null, attempt: 2 }))).toBe("rerun by someone");
    expect(runOriginLabel(origin({ trigger: "missing", requestedBy: "olga", attempt: 2 }))).toBe(
      "rerun of what was missing by olga",
    );
    expect(runOriginLabel(origin({ trigger: "missing", requestedBy: "olga" }))).toBe("run of what was missing by olga");
  });

  it("says which trigger queued it", () => {
    expect(runOriginLabel(origin({ trigger: "push", requestedBy: "push", branch: "release/1.2" }))).toBe(
      "queued by push to release/1.2",
    );
    expect(runOriginLabel(origin({ trigger: "sync", requestedBy: "sync" }))).toBe("queued by sync: new head of main");
    expect(runOriginLabel(origin({ trigger: "schedule", requestedBy: "schedule", triggerDetail: "0 2 * * *" }))).toBe(
      "scheduled (0 2 * * *)",
    );
    expect(runOriginLabel(origin({ trigger: "schedule", requestedBy: "schedule" }))).toBe("scheduled");
    expect(runOriginLabel(origin({ trigger: "needed", requestedBy: "olga" }))).toBe(
      "queued first: a requested lane needs it",
    );
    expect(runOriginLabel(origin({ trigger: "demo", requestedBy: "demo" }))).toBe("seeded by the demo");
  });

  it("tells an automatic retry from a rerun, with its number in a row", () => {
    expect(runOriginLabel(origin({ trigger: "retry", attempt: 3, triggerDetail: retryDetail(2, 3) }))).toBe(
      "automatic retry 2 of 3 after an infrastructure fault",
    );
    // rows from before the limit was kept: the number alone
    expect(runOriginLabel(origin({ trigger: "retry", attempt: 2, triggerDetail: "1" }))).toBe(
      "automatic retry 1 after an infrastructure fault",
    );
    expect(runOriginLabel(origin({ trigger: "retry", attempt: 2 }))).toBe(
      "automatic retry after an infrastructure fault",
    );
  });

  it("an unknown trigger still says who queued it", () => {
    expect(runOriginLabel(origin({ trigger: "webhook?", requestedBy: "bot" }))).toBe("queued by bot");
    expect(runOriginLabel(origin({ trigger: "webhook?" }))).toBe("queued");
  });
});

describe("attempt numbers", () => {
  it("a rerun and an automatic retry of the same attempt read differently", () => {
    expect(attemptLabel({ trigger: "manual", attempt: 1 })).toBe("attempt #1");
    expect(attemptLabel({ trigger: "manual", attempt: 2 })).toBe("attempt #2 (rerun)");
    expect(attemptLabel({ trigger: "retry", attempt: 2 })).toBe("attempt #2 (automatic retry)");
    expect(attemptKind({ trigger: "schedule", attempt: 1 })).toBe("first");
  });
});

describe("trigger helpers", () => {
  it("knows the triggers and which of them are a person's", () => {
    expect(isRunTrigger("retry")).toBe(true);
    expect(isRunTrigger("cron")).toBe(false);
    expect(["manual", "missing", "push", "retry"].map(askedByPerson)).toEqual([true, true, false, false]);
    expect(parseRetryDetail("2 of 3")).toEqual({ number: 2, of: 3 });
    expect(parseRetryDetail("x")).toBeNull();
  });
});
