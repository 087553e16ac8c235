import type { Redis } from "ioredis";
import {
  DriverSplitter,
  HARNESS_CONSOLE,
  lastShownLine,
  parseMetricLine,
  type Lane,
  type Metric,
  type SplitResult,
} from "@proofboard/domain";
import type { ConsoleKind, ConsoleVerdict } from "@proofboard/services";
import { ConsoleWriter } from "./console-writer";
import { RunStorage } from "./durable";
import { SecretMasker } from "./secret-mask";

/** What the consoles of a run need from its lane definition (null when the catalog could not be read). */
export interface ConsoleSources {
  lane: Pick<Lane, "name" | "consoles" | "vms" | "serialLogs" | "failureMarkers"> | null;
  /** where the lane definition came from, e.g. proofboard.yaml@1a2b3c4d5e */
  catalogSource: string;
}

/**
 * Every console of one run. The harness console keeps the command's bytes exactly as they
 * came; VM lines the NixOS test driver prints are copied, split per VM, into consoles of their
 * own. Consoles the lane declares exist from the start, so one that never prints says so.
 */
export class RunConsoles {
  private readonly writers = new Map<string, ConsoleWriter>();
  /** machines whose driver lines are VM output: declared ones, then announced ones */
  private readonly known = new Set<string>();
  /** VMs the worker boots itself: their consoles come from QEMU, never from the driver's lines */
  private readonly booted = new Set<string>();
  // One splitter per stream, since their lines interleave; machines are known to both.
  private readonly splitters = {
    stdout: new DriverSplitter(this.known, this.booted),
    stderr: new DriverSplitter(this.known, this.booted),
  };
  private failureMarkers: readonly string[] = [];
  /** the last bytes of the harness, to say why a harness stopped at its preflight */
  private tail: Buffer = Buffer.alloc(0);
  /** an unfinished stdout line, for benchmark metric lines split across reads */
  private stdoutLine = "";
  /** benchmark figures the harness reported (last value of a name wins) */
  readonly metrics = new Map<string, Metric>();
  /** the attempt's PostgreSQL writes, which wait out an outage (consoles, then the verdict) */
  readonly storage: RunStorage;
  /** the worker host's lane secrets: each console masks them as its bytes pass */
  private readonly secrets: readonly string[];
  /** for what is taken from the harness's bytes before a console masks them: its last line, metric lines */
  private readonly masker: SecretMasker;

  constructor(
    private readonly claim: { runId: string; fence: number },
    private readonly redis: Redis,
    /** where bytes wait while PostgreSQL is away (default under PROOFBOARD_DATA_DIR), the host the run page names, and the secrets to mask */
    {
      secrets = [],
      ...spool
    }: { spoolDir?: string; host?: string; secrets?: readonly string[]; log?: (line: string) => void } = {},
  ) {
    this.storage = new RunStorage({ runId: claim.runId, fence: claim.fence, redis, ...spool });
    this.secrets = secrets;
    this.masker = new SecretMasker(secrets);
  }

  /** Opens the consoles the lane says it prints, before the harness starts, so a silent one shows as such. */
  expect(sources: ConsoleSources): void {
    const lane = sources.lane;
    this.failureMarkers = lane?.failureMarkers ?? [];
    this.writer(HARNESS_CONSOLE, "harness");
    for (const name of lane?.vms?.nodes ?? []) {
      this.booted.add(name);
      this.writer(name, "vm", "the VM the worker booted (its QEMU serial port)");
    }
    const looked = lane?.serialLogs
      ? `test-driver lines and serial logs matching ${lane.serialLogs}`
      : "test-driver lines";
    for (const name of (lane?.consoles ?? []).filter((c) => !this.booted.has(c))) {
      this.known.add(name);
      this.writer(
        name,
        "declared",
        `${sources.catalogSource}, the consoles of lane ${lane?.name}; looked for ${looked}`,
      );
    }
  }

  writer(name: string, kind: ConsoleKind, expectedFrom: string | null = null): ConsoleWriter {
    let w = this.writers.get(name);
    if (!w) {
      w = new ConsoleWriter(this.claim, name, this.redis, this.storage, kind, {
        expectedFrom,
        failureMarkers: this.failureMarkers,
        secrets: this.secrets,
      });
      this.writers.set(name, w);
    } else {
      w.retag(kind);
    }
    return w;
  }

  harness(data: Buffer, stream: "stdout" | "stderr"): void {
    this.writer(HARNESS_CONSOLE, "harness").write(data);
    this.tail = Buffer.concat([this.tail, data]).subarray(-4096);
    this.vmLines(this.splitters[stream].push(data));
    if (stream === "stdout") {
      const lines = (this.stdoutLine + data.toString("utf8")).split("\n");
      this.stdoutLine = (lines.pop() ?? "").slice(-1024);
      for (const line of lines) {
        // A figure's name is stored with the run: a secret printed in one is masked (and the line then refused).
        const m = line.startsWith("PROOFBOARD_METRIC ") ? parseMetricLine(this.masker.maskText(line)) : null;
        if (m && this.metrics.size < 200) this.metrics.set(m.name, m);
      }
    }
  }

  /** The harness's streams ended: a last line without a newline still reaches its VM console. */
  endOfOutput(): void {
    this.vmLines(this.splitters.stdout.end());
    this.vmLines(this.splitters.stderr.end());
  }

  private vmLines(r: SplitResult): void {
    for (const name of r.announced) this.writer(name, "driver", `the test driver ("${name}: starting vm")`);
    for (const line of r.lines) this.writer(line.console, "driver").write(line.data);
  }

  /** The harness's last meaningful line, without escape sequences: the reason it gave. */
  lastHarnessLine(): string | null {
    // The reason is stored on the run row: masked like the console it comes from.
    return lastShownLine(this.masker.maskText(this.tail.toString("utf8")));
  }

  names(): string[] {
    return [...this.writers.keys()];
  }

  /**
   * Every byte written so far is stored, each console with its verdict: a VM's own (its exit
   * status), else passed when the run passed, else what its failure markers say; the first
   * storage failure is thrown. While PostgreSQL is unreachable this waits for it, unless `stop` fires.
   */
  async closeAll(
    vmVerdicts: ReadonlyMap<string, ConsoleVerdict> = new Map(),
    runPassed = false,
    stop?: AbortSignal,
  ): Promise<void> {
    if (stop) this.storage.stopWhen(stop);
    const results = await Promise.allSettled(
      [...this.writers.values()].map((w) =>
        // An operation's console is a person's session on the held cluster, not a VM with a verdict.
        w.close(
          w.kind === "operation"
            ? null
            : (vmVerdicts.get(w.name) ?? (runPassed && w.name !== HARNESS_CONSOLE ? "passed" : null)),
        ),
      ),
    );
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
