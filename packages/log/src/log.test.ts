import { describe, expect, it } from "vitest";
import { logger, type LogFormat } from "./log";

const at = new Date("2026-12-01T10:00:00.000Z");

function collect(format: LogFormat) {
  const lines: string[] = [];
  return { lines, log: logger("worker", { format, write: (l) => lines.push(l), now: () => at }) };
}

describe("logger", () => {
  it("writes one JSON object per line with time, level, component, msg and the child's run and attempt", () => {
    const { lines, log } = collect("json");
    const run = log.child({ runId: "0b6c6a43-2a64-4a4f-9d7e-2f1f7f0c9b11", attempt: 2 });
    run.info("lane started", { host: "h1" });
    run.warn("slow");
    log.error("heartbeat failed", { err: new Error("connect ECONNREFUSED") });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        time: at.toISOString(),
        level: "info",
        component: "worker",
        msg: "lane started",
        runId: "0b6c6a43-2a64-4a4f-9d7e-2f1f7f0c9b11",
        attempt: 2,
        host: "h1",
      },
      {
        time: at.toISOString(),
        level: "warn",
        component: "worker",
        msg: "slow",
        runId: "0b6c6a43-2a64-4a4f-9d7e-2f1f7f0c9b11",
        attempt: 2,
      },
      {
        time: at.toISOString(),
        level: "error",
        component: "worker",
        msg: "heartbeat failed",
        err: "connect ECONNREFUSED",
      },
    ]);
  });

  it("keeps hostile text inside its line and its reserved keys its own", () => {
    const { lines, log } = collect("json");
    log
      .child({ level: "debug", branch: 'evil\n{"level":"error"}\u2028' })
      .info('msg "with" quotes\nand a newline', { msg: "not me", time: 0 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(JSON.parse(lines[0]!)).toEqual({
      time: at.toISOString(),
      level: "info",
      component: "worker",
      msg: 'msg "with" quotes\nand a newline',
      branch: 'evil\n{"level":"error"}\u2028',
    });
  });

  it("still writes a line for a cyclic field", () => {
    const { lines, log } = collect("json");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    log.info("odd", { cyclic, n: 10n });
    expect(JSON.parse(lines[0]!)).toEqual({
      time: at.toISOString(),
      level: "info",
      component: "worker",
      msg: "odd",
      unserializable: ["cyclic", "n"],
    });
  });

  it("writes readable text lines with control characters escaped", () => {
    const { lines, log } = collect("text");
    log
      .child({ runId: "r1", attempt: 1 })
      .warn("console\nline \x1b[31m", { branch: "feature/x y", code: 3, err: new Error("boom") });
    expect(lines).toEqual([
      `${at.toISOString()} WARN  [worker] console\\nline \\u001b[31m runId=r1 attempt=1 branch="feature/x y" code=3 err=boom`,
    ]);
  });
});
