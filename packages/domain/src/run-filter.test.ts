import { describe, expect, it } from "vitest";
import { askedByPerson, RUN_TRIGGERS } from "./run-origin";
import {
  parseStatusFilter,
  PERSON_TRIGGERS,
  requesterFilter,
  RUN_STATUS_FILTERS,
  RUN_STATUS_GROUPS,
  statusesOf,
} from "./run-filter";
import { RUN_STATUSES } from "./types";

describe("status filters", () => {
  it("failed is the group a release engineer looks at: test failures, timeouts, errors and lost hosts", () => {
    expect(statusesOf(["failed"])).toEqual(["failed", "timed_out", "lost", "error"]);
    expect(statusesOf(["active"])).toEqual(["waiting", "queued", "running"]);
    expect(statusesOf(["passed"])).toEqual(["passed"]);
  });

  it("every status is reachable, by a group or alone, and groups do not overlap", () => {
    const all = RUN_STATUS_FILTERS.flatMap((f) => statusesOf([f]));
    expect(new Set(all)).toEqual(new Set(RUN_STATUSES));
    const grouped = Object.values(RUN_STATUS_GROUPS).flat();
    expect(new Set(grouped).size).toBe(grouped.length);
  });

  it("parses a comma list, and refuses a word that is not a filter", () => {
    expect(parseStatusFilter("timed_out, lost")).toEqual(["timed_out", "lost"]);
    expect(statusesOf(parseStatusFilter("failed,canceled,failed")!)).toEqual([
      "failed",
      "timed_out",
      "canceled",
      "lost",
      "error",
    ]);
    expect(parseStatusFilter("")).toBeNull();
    expect(parseStatusFilter("failed,nope")).toBeNull();
    expect(parseStatusFilter("failed' OR 1=1 --")).toBeNull();
  });
});

describe("requester filters", () => {
  it("a trigger kind filters by trigger; anything else is a person", () => {
    expect(requesterFilter("push")).toEqual({ trigger: "push" });
    expect(requesterFilter("retry")).toEqual({ trigger: "retry" });
    expect(requesterFilter("olga")).toEqual({ person: "olga" });
    expect(requesterFilter("user:push")).toEqual({ person: "push" });
  });

  it("the person triggers are exactly those askedByPerson names", () => {
    expect(RUN_TRIGGERS.filter(askedByPerson)).toEqual([...PERSON_TRIGGERS]);
  });
});
