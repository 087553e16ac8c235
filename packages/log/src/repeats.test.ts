import { describe, expect, it } from "vitest";
import { logger } from "./log";
import { quietRepeats } from "./repeats";

describe("quietRepeats", () => {
  it("logs an error once, then once per window with how often it came meanwhile", () => {
    const lines: Record<string, unknown>[] = [];
    let t = 0;
    const log = logger("jobs", { format: "json", write: (l) => lines.push(JSON.parse(l)) });
    const say = quietRepeats(log, "warn", 30_000, () => t);
    say("queue lane-tcg: connect ECONNREFUSED", { queue: "lane-tcg" });
    for (t = 1000; t < 30_000; t += 1000) say("queue lane-tcg: connect ECONNREFUSED", { queue: "lane-tcg" });
    say("queue control: connect ECONNREFUSED");
    expect(lines.map((l) => [l.msg, l.repeatedSinceLastLine])).toEqual([
      ["queue lane-tcg: connect ECONNREFUSED", undefined],
      ["queue control: connect ECONNREFUSED", undefined],
    ]);
    t = 30_000;
    say("queue lane-tcg: connect ECONNREFUSED", { queue: "lane-tcg" });
    expect(lines.at(-1)).toMatchObject({ level: "warn", queue: "lane-tcg", repeatedSinceLastLine: 29 });
    t = 60_001;
    say("queue lane-tcg: connect ECONNREFUSED");
    expect(lines.at(-1)).not.toHaveProperty("repeatedSinceLastLine");
  });
});
