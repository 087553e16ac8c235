import { spawn } from "node:child_process";

export interface LaneProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  canceled: boolean;
  /** the command could not start at all (ENOENT, EACCES) */
  spawnError: Error | null;
}

export interface LaneProcessOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  onOutput: (data: Buffer, stream: "stdout" | "stderr") => void;
  signal?: AbortSignal;
  /** time between SIGTERM and SIGKILL of the process group */
  graceMs?: number;
}

/**
 * Runs a lane's argv (never a shell string) in a process group of its own, so a timeout or
 * cancel ends the whole tree (QEMU included), not just the direct child.
 */
export function runLaneProcess(o: LaneProcessOptions): Promise<LaneProcessResult> {
  const [cmd, ...args] = o.argv;
  if (!cmd) return Promise.resolve({ exitCode: null, signal: null, timedOut: false, canceled: false, spawnError: new Error("empty command") });
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let timedOut = false;
    let canceled = false;
    let spawnError: Error | null = null;
    let killTimer: NodeJS.Timeout | null = null;

    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // the group is already gone
      }
    };
    const stop = () => {
      killGroup("SIGTERM");
      killTimer ??= setTimeout(() => killGroup("SIGKILL"), o.graceMs ?? 5000);
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      stop();
    }, o.timeoutMs);
    const onAbort = () => {
      canceled = true;
      stop();
    };
    o.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout.on("data", (d: Buffer) => o.onOutput(d, "stdout"));
    child.stderr.on("data", (d: Buffer) => o.onOutput(d, "stderr"));
    child.on("error", (err) => (spawnError = err));
    // A leftover background process keeps the pipes open; the group goes with the leader.
    child.on("exit", () => {
      killTimer ??= setTimeout(() => killGroup("SIGKILL"), 1000);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timeout);
      o.signal?.removeEventListener("abort", onAbort);
      // Descendants may outlive the leader; the group goes with the run.
      killGroup("SIGKILL");
      if (killTimer) clearTimeout(killTimer);
      resolve({ exitCode, signal, timedOut, canceled, spawnError });
    });
  });
}
