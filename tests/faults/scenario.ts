import type { ChildProcess } from "node:child_process";

/**
 * One fault of `pnpm test:faults`, done for real (processes killed, Redis emptied, a database
 * proxy stopped, a bad ref pushed): what must hold afterwards, and what actually happened.
 */
export interface FaultScenario {
  id: string;
  fault: string;
  mustHold: string;
  /** seconds the scenario may take */
  budgetSeconds: number;
  /** only with --full (too long for CI) */
  full?: boolean;
  run(ctx: FaultContext): Promise<FaultResult>;
}

export interface FaultResult {
  ok: boolean;
  happened: string;
  /** null: the fault has no recovery to time (e.g. it must simply never show) */
  recoverySeconds: number | null;
}

export interface WorkerProc {
  proc: ChildProcess;
  pid: number;
  hostName: string;
  /** everything it printed so far, stdout and stderr interleaved */
  output(): string;
  /** resolves with the first line (already printed or still to come) matching `re` */
  waitForLine(re: RegExp, ms: number): Promise<string>;
  kill(sig: NodeJS.Signals): void;
  /** exit code (null after a signal) */
  exited: Promise<number | null>;
}

export interface FaultContext {
  /** DATABASE_URL, REDIS_URL, PROOFBOARD_REDIS_PREFIX, PROOFBOARD_DATA_DIR, … for child processes */
  env: Record<string, string>;
  full: boolean;
  /** the repository name a worker's own sync (control on) picks: scenarios register their target under it */
  targetName: string;
  /** aborted when the scenario's budget is spent: long loops stop on it */
  signal: AbortSignal;
  log(line: string): void;
  /**
   * A real worker process (`node --import tsx apps/worker/src/main.ts`, control on), resolved once
   * it printed its `[worker] host <name> (worker ` line. Killed by the suite at the end whatever happens.
   */
  spawnWorker(o: { hostName: string; slots?: number; env?: Record<string, string> }): Promise<WorkerProc>;
}
