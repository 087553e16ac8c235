import path from "node:path";
import type { Redis } from "ioredis";
import { env } from "@proofboard/env";
import { publishBuffering } from "@proofboard/jobs";
import { workerMetrics } from "@proofboard/services";
import { isDatabaseUnreachable } from "./db-unreachable";
import { formatBytes, Spool, SpoolBudget, SpoolFull, type SpoolPiece } from "./spool";
import type { SpoolRecord } from "./spool-records";
import { Backpressure } from "./storage-pressure";

/** Bytes a run keeps in memory while its writes are in flight; past that, and while PostgreSQL is away, they go to disk. */
const MEMORY_BYTES = 8 << 20;
/** Waits between attempts at a write PostgreSQL could not take; a write that lands wakes the others at once. */
const BACKOFF_MS = [200, 500, 1000, 2000, 3000, 5000];
/** How often the run page hears how much is spooled. */
const NOTICE_EVERY_MS = 2000;

let budget: SpoolBudget | undefined;
/** this process's runs that owe PostgreSQL writes it could not take (see spoolOwed) */
const owing = new Set<RunStorage>();

/**
 * Whether a run of this worker owes PostgreSQL writes it could not take. While it does, the worker
 * tells the reconcilers it is alive for longer (worker.ts): should it die now, its successor under
 * the host name has that long to store the spool before the run is taken for lost.
 */
export function spoolOwed(): boolean {
  return owing.size > 0;
}

const owingListeners = new Set<() => void>();

/** Called each time a run starts to owe PostgreSQL writes: the worker says so at once, not at its next heartbeat. */
export function onSpoolOwed(listener: () => void): () => void {
  owingListeners.add(listener);
  return () => owingListeners.delete(listener);
}

/** The disk every run of this worker process may spool to, together (PROOFBOARD_SPOOL_BYTES), reported on /metrics. */
export function workerSpoolBudget(): SpoolBudget {
  budget ??= new SpoolBudget(env().PROOFBOARD_SPOOL_BYTES, (used) => workerMetrics.spoolBytes.set(used));
  return budget;
}

/** Bytes waiting to be stored: in memory or in the run's spool file. */
export interface Kept {
  read(): Promise<Buffer>;
  /** stored (or given up): memory or disk is freed */
  release(): void;
}

export interface RunStorageOptions {
  runId: string;
  fence: number;
  redis: Redis;
  /** the worker's spool folder; default PROOFBOARD_DATA_DIR/worker/<host>/spool */
  spoolDir?: string;
  /** the worker's host name, shown on the run page while bytes wait there */
  host?: string;
  /** default: the worker's (PROOFBOARD_SPOOL_BYTES), shared by its runs */
  budget?: SpoolBudget;
  log?: (line: string) => void;
}

/** Something kept in memory: written to the spool file too once PostgreSQL is unreachable (`piece`). */
interface InMemory {
  data: Buffer;
  record: SpoolRecord;
  piece: SpoolPiece | null;
}

/** The worker stopped while PostgreSQL was still unreachable: the write is given up. */
export class StorageGaveUp extends Error {}

/**
 * Every PostgreSQL write of one run attempt. A write that fails because the database cannot be
 * reached is made again with backoff until it lands (or the worker stops); meanwhile console bytes
 * go to the run's spool file instead of memory, the lane keeps running, and the run page is told
 * the worker is buffering. Callers keep their own order (one write after another per console), so
 * spooled bytes are stored at their offsets before any later ones.
 *
 * While PostgreSQL is unreachable everything kept is in the spool file, as records that say what
 * they are, so a worker that stops (or dies) before the database returns leaves the file for the
 * next worker under its host name to store (spool-replay.ts).
 */
export class RunStorage {
  private readonly spool: Spool;
  private readonly budget: SpoolBudget;
  readonly host: string;
  private readonly log: (line: string) => void;
  private inMemory = 0;
  private readonly memory = new Set<InMemory>();
  private onDisk = 0;
  /** writes were given up (the worker stopped while PostgreSQL was away): what is owed stays in the file */
  private gaveUp = false;
  /** since when PostgreSQL has been unreachable; null while it answers */
  private unreachableSince: number | null = null;
  private readonly sleepers = new Set<() => void>();
  private readonly stopped = new AbortController();
  private noticeTimer: NodeJS.Timeout | null = null;
  private noticeShown = false;
  private full: (err: SpoolFull) => void = () => undefined;
  /** Settles when bytes could not be kept (the worker's spool is full): the lane may as well stop, its run fails. */
  readonly whenFull = new Promise<SpoolFull>((resolve) => (this.full = resolve));
  private readonly pressure = new Backpressure(() =>
    this.stopped.signal.aborted
      ? null
      : {
          backlog: this.inMemory + this.onDisk,
          spoolShare: this.budget.bytes / this.budget.limit,
          reachable: this.unreachableSince === null,
        },
  );

  constructor(private readonly o: RunStorageOptions) {
    const e = env();
    this.host = o.host ?? e.PROOFBOARD_HOST_NAME;
    const dir =
      o.spoolDir ?? path.join(e.PROOFBOARD_DATA_DIR, "worker", this.host.replace(/[^A-Za-z0-9._-]/g, "_"), "spool");
    this.budget = o.budget ?? workerSpoolBudget();
    this.spool = new Spool(path.join(dir, `${o.runId}-${o.fence}.spool`), this.budget);
    this.log = o.log ?? ((line) => console.log(`[worker] ${line}`));
  }

  /** true while PostgreSQL is unreachable or spooled bytes are still owed to it */
  get buffering(): boolean {
    return this.unreachableSince !== null || this.spool.pieces > 0;
  }

  get spooledBytes(): number {
    return this.onDisk;
  }

  /** Sources that can wait (a pipe, a file) should not be read now: storage is behind (storage-pressure.ts). */
  get saturated(): boolean {
    return this.pressure.saturated;
  }

  /** Settles once storage has caught up enough to read paused sources again (at once when it has), or `unless` fires. */
  whenRelieved(unless?: AbortSignal): Promise<void> {
    return this.pressure.whenRelieved(unless);
  }

  /**
   * Keeps a record (console bytes as its data) until it is stored; throws SpoolFull when the
   * worker's spool budget is used up. Released once stored; after writes were given up a release
   * changes nothing, so the spool file keeps what is owed.
   */
  keep(record: SpoolRecord, data: Buffer = Buffer.alloc(0)): Kept {
    let released = false;
    if (this.unreachableSince === null && this.inMemory + data.length <= MEMORY_BYTES) {
      const entry: InMemory = { data, record, piece: null };
      this.inMemory += data.length;
      this.memory.add(entry);
      this.pressure.check();
      return {
        read: () => Promise.resolve(data),
        release: () => {
          if (released || this.gaveUp) return;
          released = true;
          this.inMemory -= data.length;
          this.memory.delete(entry);
          if (entry.piece) this.spool.release(entry.piece);
          this.pressure.check();
        },
      };
    }
    let piece: SpoolPiece;
    try {
      piece = this.spool.append(record, data);
    } catch (err) {
      if (!(err instanceof SpoolFull)) throw err;
      const full = new SpoolFull(
        `the worker's spool is full (${formatBytes(this.budget.limit)}, PROOFBOARD_SPOOL_BYTES) ${
          this.unreachableSince !== null
            ? "while PostgreSQL was unreachable"
            : "because the VMs printed faster than PostgreSQL stored their consoles"
        }; the console's later bytes could not be kept`,
      );
      this.full(full);
      throw full;
    }
    this.onDisk += data.length;
    this.pressure.check();
    return {
      read: () => this.spool.read(piece),
      release: () => {
        if (released || this.gaveUp) return;
        released = true;
        this.onDisk -= piece.length;
        this.spool.release(piece);
        if (this.spool.pieces === 0) this.notice();
        this.pressure.check();
      },
    };
  }

  /**
   * Makes a write, again and again while PostgreSQL is unreachable; any other failure is thrown at
   * once. `again` is true after a failed attempt, whose write may have landed before the answer was lost.
   */
  async write<T>(what: string, attempt: (again: boolean) => Promise<T>): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        const result = await attempt(failures > 0);
        this.answered();
        return result;
      } catch (err) {
        if (!isDatabaseUnreachable(err)) throw err;
        const why = err instanceof Error ? err.message.trim().split("\n").at(-1)!.slice(0, 300) : String(err);
        if (this.stopped.signal.aborted) {
          this.gaveUp = true;
          throw new StorageGaveUp(`${what}: PostgreSQL was still unreachable when the worker stopped (${why})`);
        }
        this.unreachable(why);
        await this.pause(BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]!);
      }
    }
  }

  /** Writes still waiting for PostgreSQL give up once this signal fires (the worker shuts down). */
  stopWhen(signal: AbortSignal): void {
    const stop = () => {
      this.stopped.abort();
      for (const wake of this.sleepers) wake();
      this.pressure.relieve();
    };
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  }

  /**
   * The attempt is over: its spool file goes (the run's final status ends the run page's notice),
   * unless writes were given up with records still owed: those stay for the next worker.
   */
  async close(): Promise<void> {
    if (this.noticeTimer) clearInterval(this.noticeTimer);
    this.noticeTimer = null;
    this.pressure.relieve();
    const leave = this.gaveUp && this.spool.pieces > 0;
    if (leave)
      this.log(
        `run ${this.o.runId}: PostgreSQL is still unreachable; ${this.spool.pieces} record(s) it is owed stay in ${this.spool.file} for the next worker under this host name`,
      );
    if (!leave) owing.delete(this);
    await this.spool.remove(leave);
  }

  private unreachable(why: string): void {
    if (this.unreachableSince !== null) return;
    this.unreachableSince = Date.now();
    owing.add(this);
    for (const listener of owingListeners) listener();
    this.log(
      `run ${this.o.runId}: PostgreSQL unreachable (${why}); the lane keeps running and its writes wait in ${this.spool.file}`,
    );
    // What waits in memory goes to the file too (over the budget if need be: it is held already),
    // so the file alone holds everything owed should the worker stop before the database returns.
    for (const entry of this.memory) entry.piece ??= this.spool.append(entry.record, entry.data, true);
    this.notice();
    this.pressure.check();
  }

  private answered(): void {
    if (this.unreachableSince === null) return;
    const secs = Math.round((Date.now() - this.unreachableSince) / 1000);
    this.unreachableSince = null;
    this.log(
      `run ${this.o.runId}: PostgreSQL reachable again after ${secs} s; writing ${formatBytes(this.onDisk)} of spooled console`,
    );
    for (const wake of this.sleepers) wake();
    this.notice();
    this.pressure.check();
  }

  /** Tells the run page what waits on this host, now and every few seconds while it lasts; once more when all is stored. */
  private notice(): void {
    if (this.buffering) {
      this.noticeShown = true;
      if (!this.noticeTimer) {
        this.noticeTimer = setInterval(() => this.notice(), NOTICE_EVERY_MS);
        this.noticeTimer.unref();
      }
      void publishBuffering(this.o.redis, this.o.runId, this.host, this.onDisk).catch(() => undefined);
      return;
    }
    if (this.noticeTimer) clearInterval(this.noticeTimer);
    this.noticeTimer = null;
    owing.delete(this);
    if (!this.noticeShown) return;
    this.noticeShown = false;
    this.log(`run ${this.o.runId}: every spooled write is stored`);
    void publishBuffering(this.o.redis, this.o.runId, this.host, null).catch(() => undefined);
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
