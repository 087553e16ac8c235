import { spawn } from "node:child_process";
import { access, constants, stat } from "node:fs/promises";
import path from "node:path";

export interface LaneProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  canceled: boolean;
  /** the command could not start at all (ENOENT, EACCES) */
  spawnError: Error | null;
}

/** Where the output goes, when it cannot keep up: the pipes are not read until it has caught up. */
export interface Backpressure {
  readonly saturated: boolean;
  whenRelieved(): Promise<void>;
}

export interface LaneProcessOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  onOutput: (data: Buffer, stream: "stdout" | "stderr") => void;
  /** while saturated, the process's pipes are left unread, so a lane printing faster than storage waits on its writes */
  backpressure?: Backpressure;
  signal?: AbortSignal;
  /** time between SIGTERM and SIGKILL of the process group */
  graceMs?: number;
  /** the argv actually spawned (the attempt's ownership wrapper); the command is checked first */
  wrap?: (argv: readonly string[]) => string[];
}

function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Finds the command as exec would (PATH, or relative to cwd when it has a slash), so a command
 * missing on this host is reported as ENOENT even when a wrapper is what gets spawned.
 */
export async function commandError(cmd: string, cwd: string, envPath: string | undefined): Promise<Error | null> {
  const candidates = cmd.includes("/")
    ? [path.resolve(cwd, cmd)]
    : (envPath ?? "")
        .split(":")
        .filter(Boolean)
        .map((d) => path.join(d, cmd));
  let denied = false;
  for (const c of candidates) {
    const s = await stat(c).catch(() => null);
    if (!s?.isFile()) continue;
    if (
      await access(c, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return null;
    denied = true;
  }
  return denied ? errnoError("EACCES", `spawn ${cmd} EACCES`) : errnoError("ENOENT", `spawn ${cmd} ENOENT`);
}

/**
 * Runs a lane's argv (never a shell string) in a process group of its own, so a timeout or
 * cancel ends the whole tree (QEMU included), not just the direct child.
 */
export async function runLaneProcess(o: LaneProcessOptions): Promise<LaneProcessResult> {
  const notRun = (spawnError: Error): LaneProcessResult => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    canceled: false,
    spawnError,
  });
  if (!o.argv[0]) return notRun(new Error("empty command"));
  if (o.wrap) {
    const missing = await commandError(o.argv[0], o.cwd, o.env.PATH);
    if (missing) return notRun(missing);
  }
  const [cmd, ...args] = (o.wrap ? o.wrap(o.argv) : o.argv) as [string, ...string[]];
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
    let stopping = false;
    const stop = () => {
      // What is left in the pipes is read at once: a paused pipe must not keep the group's end waiting.
      stopping = true;
      child.stdout.resume();
      child.stderr.resume();
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
    // Canceled (or the worker stopping) while the lane was being set up: an aborted signal fires no
    // event, so without this the lane would run its whole length.
    if (o.signal?.aborted) onAbort();

    for (const [name, stream] of [
      ["stdout", child.stdout],
      ["stderr", child.stderr],
    ] as const) {
      stream.on("data", (d: Buffer) => {
        o.onOutput(d, name);
        if (!o.backpressure?.saturated || stopping || stream.isPaused()) return;
        stream.pause();
        void o.backpressure.whenRelieved().then(() => stream.resume());
      });
    }
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
