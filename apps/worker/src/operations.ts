import { constants } from "node:os";
import { spawn as spawnPty, type IPty } from "@lydell/node-pty";
import type { LaneOperation } from "@proofboard/domain";
import type { RunControlMessage } from "@proofboard/jobs";
import { abandonOperations, claimOperation, endOperation } from "@proofboard/services";
import type { RunConsoles } from "./run-consoles";

/** Between the hang-up an operation gets when it is stopped and the kill of what is left of it. */
const STOP_GRACE_MS = 3000;
/** How long a stop or clean that is under way may take once the guests are gone or the hold ends. */
const ENDING_GRACE_MS = 15_000;

export type OperationMessage = Extract<RunControlMessage, { type: `operation-${string}` }>;

export interface HeldOperationsOptions {
  claim: { runId: string; fence: number };
  consoles: RunConsoles;
  /** the held run's worktree */
  cwd: string;
  /** the lane's environment (with PROOFBOARD_VM_STATE); TERM is set here */
  env: Record<string, string>;
  /** what the lane declares at the run's commit: which of them end the hold */
  available: readonly LaneOperation[];
  /** an operation that ends the hold (stop, clean) exited */
  endHold: () => void;
  log?: (line: string) => void;
  /** the attempt's ownership wrapper: operations start inside the held run's cgroup */
  wrap?: (argv: readonly string[]) => string[];
}

interface Running {
  id: string;
  name: string;
  console: string;
  pty: IPty;
  /** resolves once it has exited and its end is recorded */
  done: Promise<void>;
  stop(): void;
}

const signalName = (n: number) => Object.entries(constants.signals).find(([, v]) => v === n)?.[0] ?? `signal ${n}`;

/**
 * The operations of one held run on this worker: each runs its argv (never a shell string) in a
 * pseudo-terminal of its own, in the run's worktree and environment; its bytes go to its console
 * (stored, then published live), keystrokes and size changes come from the holder through run
 * control. Operations run only while the hold lasts: its end hangs them all up.
 */
export class HeldOperations {
  private accepting = false;
  private readonly running = new Map<string, Running>();
  private readonly starting = new Set<string>();

  constructor(private readonly o: HeldOperationsOptions) {}

  /** The hold began. */
  open(): void {
    this.accepting = true;
  }

  handle(msg: OperationMessage): void {
    if (msg.type === "operation-start") void this.start(msg.operationId);
    else if (msg.type === "operation-resize") this.running.get(msg.operationId)?.pty.resize(msg.cols, msg.rows);
    else this.running.get(msg.operationId)?.stop();
  }

  /** Keystrokes for a running operation's console; false when no operation here prints to it. */
  input(console: string, data: Buffer): boolean {
    for (const r of this.running.values()) {
      if (r.console !== console) continue;
      // node-pty writes Buffers as they are (its typing only names strings): keystrokes stay bytes.
      r.pty.write(data as unknown as string);
      return true;
    }
    return false;
  }

  /** Starts one requested operation, once: Postgres decides who starts it (and whether it still may). */
  async start(id: string): Promise<void> {
    if (!this.accepting || this.running.has(id) || this.starting.has(id)) return;
    this.starting.add(id);
    try {
      const op = await claimOperation(this.o.claim, id);
      if (!op) return;
      // Ending the hold ends every other operation anyway; first, so an open ssh session does not
      // keep a stop from reaching its guest.
      if (this.accepting && this.o.available.find((a) => a.name === op.name)?.endsHold) await this.stopAll();
      if (!this.accepting) {
        await endOperation(this.o.claim, id, { exitCode: null, error: "the hold ended before it could start" });
        return;
      }
      const writer = this.o.consoles.writer(op.console, "operation");
      const [file, ...args] = this.o.wrap ? this.o.wrap(op.argv) : op.argv;
      let pty: IPty;
      try {
        // encoding null: the bytes are stored as the terminal gave them, never decoded and re-encoded.
        pty = spawnPty(file ?? "", args, {
          name: "xterm-256color",
          cols: op.cols,
          rows: op.rows,
          cwd: this.o.cwd,
          env: { ...this.o.env, TERM: "xterm-256color" },
          encoding: null,
        });
      } catch (err) {
        writer.write(Buffer.from(`proofboard: cannot start ${file}: ${(err as Error).message}\r\n`));
        await writer.close().catch(() => undefined);
        await endOperation(this.o.claim, id, { exitCode: null, error: `could not start: ${(err as Error).message}` });
        return;
      }
      this.o.log?.(`operation ${op.name}${op.node ? ` ${op.node}` : ""} of run ${this.o.claim.runId}: pid ${pty.pid}`);
      const group = (sig: NodeJS.Signals) => {
        try {
          process.kill(-pty.pid, sig); // the pty's child leads its own session and group
        } catch {
          // already gone
        }
      };
      let stoppedAt: number | null = null;
      let killTimer: NodeJS.Timeout | null = null;
      pty.onData((d) => writer.write(d as unknown as Buffer));
      const done = new Promise<void>((resolve) => {
        pty.onExit(({ exitCode, signal }) => {
          if (killTimer) clearTimeout(killTimer);
          group("SIGKILL"); // what it left behind goes with it
          this.running.delete(id);
          const error = signal ? `ended by ${signalName(signal)}${stoppedAt ? " (stopped)" : ""}` : null;
          void (async () => {
            await writer.close().catch((err: Error) => this.o.log?.(`operation console ${op.console}: ${err.message}`));
            await endOperation(this.o.claim, id, { exitCode: signal ? null : exitCode, error });
            if (this.o.available.find((a) => a.name === op.name)?.endsHold && this.accepting) this.o.endHold();
          })()
            .catch((err: Error) => this.o.log?.(`operation ${id}: ${err.message}`))
            .finally(resolve);
        });
      });
      this.running.set(id, {
        id,
        name: op.name,
        console: op.console,
        pty,
        done,
        stop: () => {
          if (stoppedAt) return;
          stoppedAt = Date.now();
          // A terminal that goes away hangs up: shells and ssh end the way they would on a real one.
          group("SIGHUP");
          killTimer = setTimeout(() => group("SIGKILL"), STOP_GRACE_MS);
        },
      });
    } finally {
      this.starting.delete(id);
    }
  }

  /**
   * The hold is ending: an operation that ends holds (stop, clean) gets a moment to finish what it
   * prints, then every operation is hung up and its end recorded.
   */
  async closeAll(): Promise<void> {
    this.accepting = false;
    const ending = [...this.running.values()].filter((r) => this.o.available.find((a) => a.name === r.name)?.endsHold);
    if (ending.length)
      await Promise.race([Promise.all(ending.map((r) => r.done)), new Promise((r) => setTimeout(r, ENDING_GRACE_MS))]);
    await this.stopAll();
  }

  private async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.stop();
    await Promise.all(all.map((r) => r.done));
  }

  /** What was asked for and never started never will: said so on each. */
  async abandonRequested(reason: string): Promise<void> {
    await abandonOperations(this.o.claim, reason).catch((err: Error) =>
      this.o.log?.(`operations of run ${this.o.claim.runId}: ${err.message}`),
    );
  }

  get size(): number {
    return this.running.size;
  }
}
