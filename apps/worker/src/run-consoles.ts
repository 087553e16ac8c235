import type { Redis } from "ioredis";
import { DriverSplitter, HARNESS_CONSOLE, parseMetricLine, type Metric } from "@proofboard/domain";
import type { ConsoleKind } from "@proofboard/services";
import { ConsoleWriter } from "./console-writer";

/**
 * Every console of one run. The harness console keeps the command's bytes exactly as they
 * came; VM lines the NixOS test driver prints to stderr are copied, split per VM, into
 * consoles of their own.
 */
export class RunConsoles {
  private readonly writers = new Map<string, ConsoleWriter>();
  private readonly splitter = new DriverSplitter();
  /** the last bytes of the harness, to say why a harness stopped at its preflight */
  private tail: Buffer = Buffer.alloc(0);
  /** an unfinished stdout line, for benchmark metric lines split across reads */
  private stdoutLine = "";
  /** benchmark figures the harness reported (last value of a name wins) */
  readonly metrics = new Map<string, Metric>();

  constructor(
    private readonly claim: { runId: string; fence: number },
    private readonly redis: Redis,
  ) {
    this.writer(HARNESS_CONSOLE, "harness");
  }

  writer(name: string, kind: ConsoleKind): ConsoleWriter {
    let w = this.writers.get(name);
    if (!w) {
      w = new ConsoleWriter(this.claim, name, this.redis, kind);
      this.writers.set(name, w);
    }
    return w;
  }

  harness(data: Buffer, stream: "stdout" | "stderr"): void {
    this.writer(HARNESS_CONSOLE, "harness").write(data);
    this.tail = Buffer.concat([this.tail, data]).subarray(-4096);
    if (stream === "stderr") {
      for (const line of this.splitter.push(data)) this.writer(line.console, "driver").write(line.data);
    } else {
      const lines = (this.stdoutLine + data.toString("utf8")).split("\n");
      this.stdoutLine = (lines.pop() ?? "").slice(-1024);
      for (const line of lines) {
        const m = line.startsWith("PROOFBOARD_METRIC ") ? parseMetricLine(line) : null;
        if (m && this.metrics.size < 200) this.metrics.set(m.name, m);
      }
    }
  }

  /** The harness's last meaningful line, without escape sequences: the reason it gave. */
  lastHarnessLine(): string | null {
    const text = this.tail
      .toString("utf8")
      .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "")
      .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "")
      .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
    const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
    return lines.at(-1)?.slice(0, 300) ?? null;
  }

  names(): string[] {
    return [...this.writers.keys()];
  }

  /** Every byte written so far is stored; the first storage failure is thrown. */
  async closeAll(): Promise<void> {
    const results = await Promise.allSettled([...this.writers.values()].map((w) => w.close()));
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
