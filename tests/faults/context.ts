import { spawn } from "node:child_process";
import { repoRoot } from "@proofboard/env";
import type { FaultContext, WorkerProc } from "./scenario";

/** How long a worker gets after SIGINT (it hands its lanes back at once) before SIGKILL. */
const STOP_GRACE_MS = 10_000;
/** A worker measures its host, registers and reaps before it prints its ready line. */
const READY_MS = 60_000;
const OUTPUT_KEEP_CHARS = 1 << 20;

/** Every process the suite started, so it can end them all whatever a scenario did. */
export class Children {
  private readonly live = new Set<WorkerProc>();

  constructor(
    private readonly baseEnv: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {}

  async spawnWorker(o: { hostName: string; slots?: number; env?: Record<string, string> }): Promise<WorkerProc> {
    // node itself, not the tsx launcher: a SIGKILL must reach the worker, not a wrapper around it
    const proc = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...this.baseEnv,
        PROOFBOARD_HOST_NAME: o.hostName,
        PROOFBOARD_WORKER_SLOTS: String(o.slots ?? 2),
        PROOFBOARD_LOG_FORMAT: "text",
        ...o.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    const waiters = new Set<{ re: RegExp; resolve: (line: string) => void }>();
    const onData = (d: Buffer) => {
      text += d.toString();
      if (text.length > OUTPUT_KEEP_CHARS) text = text.slice(-OUTPUT_KEEP_CHARS / 2);
      for (const w of waiters) {
        const line = text.split("\n").find((l) => w.re.test(l));
        if (line !== undefined) w.resolve(line);
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    const worker: WorkerProc = {
      proc,
      pid: proc.pid ?? -1,
      hostName: o.hostName,
      output: () => text,
      waitForLine: (re, ms) =>
        new Promise<string>((resolve, reject) => {
          const found = text.split("\n").find((l) => re.test(l));
          if (found !== undefined) return resolve(found);
          const w = {
            re,
            resolve: (line: string) => {
              clearTimeout(timer);
              waiters.delete(w);
              resolve(line);
            },
          };
          const timer = setTimeout(() => {
            waiters.delete(w);
            reject(
              new Error(
                `worker ${o.hostName} printed no line matching ${re} within ${ms} ms; last output:\n${text.slice(-2000)}`,
              ),
            );
          }, ms);
          waiters.add(w);
          void exited.then((code) => {
            if (!waiters.has(w)) return;
            clearTimeout(timer);
            waiters.delete(w);
            reject(
              new Error(
                `worker ${o.hostName} exited (${code}) before printing ${re}; last output:\n${text.slice(-2000)}`,
              ),
            );
          });
        }),
      kill: (sig) => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
      },
      exited,
    };
    this.live.add(worker);
    void exited.then(() => this.live.delete(worker));
    const escaped = o.hostName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    await worker.waitForLine(new RegExp(`\\[worker\\] host ${escaped} \\(worker `), READY_MS);
    this.log(`worker ${o.hostName} ready (pid ${worker.pid})`);
    return worker;
  }

  /** SIGINT (lanes handed back at once), then SIGKILL for any that does not leave in time. */
  async stopAll(): Promise<void> {
    const all = [...this.live];
    for (const w of all) w.kill("SIGINT");
    await Promise.all(
      all.map(async (w) => {
        const gone = await Promise.race([
          w.exited.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), STOP_GRACE_MS)),
        ]);
        if (!gone) {
          w.kill("SIGKILL");
          await w.exited;
        }
      }),
    );
  }
}

/** The context one scenario sees: its own budget signal, the suite's children and environment. */
export function scenarioContext(o: {
  env: Record<string, string>;
  full: boolean;
  targetName: string;
  signal: AbortSignal;
  children: Children;
  log: (line: string) => void;
}): FaultContext {
  return {
    env: o.env,
    full: o.full,
    targetName: o.targetName,
    signal: o.signal,
    log: o.log,
    spawnWorker: (w) => o.children.spawnWorker(w),
  };
}
