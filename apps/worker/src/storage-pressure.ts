/**
 * Backlog (kept, not yet stored) at which a run's pausable sources (the lane's pipes, serial log
 * files) stop being read while PostgreSQL answers, and at which reading starts again: a lane that
 * prints faster than its bytes are stored waits on its pipe instead of filling the spool.
 */
/** as much as a run keeps in memory (durable.ts) */
const PAUSE_AT_BYTES = 8 << 20;
const RESUME_AT_BYTES = 2 << 20;
/** Shares of the worker's spool budget at which they pause even while PostgreSQL is away, and resume. */
const PAUSE_AT_SPOOL = 0.75;
const RESUME_AT_SPOOL = 0.5;
/** How often a paused run looks again (the budget is shared: other runs free it too). */
const PRESSURE_CHECK_MS = 100;

/** What a run's storage has in hand; null once it stopped (nothing pauses any more). */
export interface PressureReading {
  /** bytes kept and not yet stored, in memory and on disk */
  backlog: number;
  /** share of the worker's spool budget in use, all runs together */
  spoolShare: number;
  reachable: boolean;
}

/**
 * Whether a run's pausable sources should wait. Pauses past PAUSE_AT_BYTES of backlog while
 * PostgreSQL answers, or past PAUSE_AT_SPOOL of the worker's spool in any case; resumes once both
 * are low again (the backlog only while PostgreSQL answers: during an outage the lane keeps
 * running on the spool, as long as there is room).
 */
export class Backpressure {
  private saturatedNow = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly reliefs: (() => void)[] = [];

  constructor(private readonly read: () => PressureReading | null) {}

  /** Sources that can wait (a pipe, a file) should not be read now: storage is behind. */
  get saturated(): boolean {
    return this.saturatedNow;
  }

  /** Settles once storage has caught up enough to read paused sources again (at once when it has), or `unless` fires. */
  whenRelieved(unless?: AbortSignal): Promise<void> {
    if (!this.saturatedNow || unless?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        unless?.removeEventListener("abort", done);
        resolve();
      };
      this.reliefs.push(done);
      unless?.addEventListener("abort", done, { once: true });
    });
  }

  /** Looks again, after every change to the backlog or to PostgreSQL's state. */
  check(): void {
    const r = this.read();
    if (!r) return;
    if (!this.saturatedNow) {
      if (r.spoolShare < PAUSE_AT_SPOOL && !(r.reachable && r.backlog >= PAUSE_AT_BYTES)) return;
      this.saturatedNow = true;
      this.timer = setInterval(() => this.check(), PRESSURE_CHECK_MS);
      this.timer.unref();
      return;
    }
    if (r.spoolShare >= RESUME_AT_SPOOL || (r.reachable && r.backlog > RESUME_AT_BYTES)) return;
    this.relieve();
  }

  /** Everything paused may go on (caught up, or the run stops). */
  relieve(): void {
    this.saturatedNow = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const wake of this.reliefs.splice(0)) wake();
  }
}
