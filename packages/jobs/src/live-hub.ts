import { Redis } from "ioredis";
import { decodeLiveEntries, liveKey, type LiveEntry, type LiveEvent } from "./live";
import { redisOptions } from "./redis";

/** How long one XREAD waits; a new stream to watch cuts it short (CLIENT UNBLOCK). */
const BLOCK_MS = 5000;
/** With nobody watching for this long, the hub closes its two connections. */
const IDLE_CLOSE_MS = 5000;
/** The name the hub's connections carry in CLIENT LIST. */
export const LIVE_HUB_CLIENT_NAME = "proofboard-live-hub";
/**
 * Console bytes one viewer may have waiting in this process. A viewer slower than its console
 * (a phone on a bad link during a burst) loses its oldest waiting chunks past this; its follower
 * sees the next chunk start past what it sent and reads the gap from PostgreSQL, so it misses
 * nothing, and the web process holds at most this much per viewer, never the whole burst.
 */
export const VIEWER_QUEUE_BYTES = 4 << 20;

/**
 * A run with this many viewers in this process is read at most every GATHER_MS: each read then
 * brings the chunks of that time joined into one per console, so every viewer gets one event (one
 * encoding, one write) where it would have had one per chunk. Each chunk is a worker's 25 ms of
 * output; hundreds of viewers of a console at 1 MB/s are 8,000 events a second otherwise, and the
 * process spends itself on their per-event cost. A run with fewer viewers gets every chunk as it
 * is, unjoined; while another run in the same process is crowded, it shares that pause (one
 * reader serves every run).
 */
export const GATHER_VIEWERS = 50;
export const GATHER_MS = 50;

/** Consecutive chunks of one console, next to each other in its bytes, as one chunk (its marks say where each began). */
export function joinChunks(entries: readonly LiveEntry[]): LiveEntry[] {
  const out: LiveEntry[] = [];
  let run: LiveEntry[] = [];
  const flush = () => {
    if (run.length === 1) out.push(run[0]!);
    if (run.length > 1) {
      const first = run[0]!.event as Extract<LiveEvent, { type: "chunk" }>;
      const marks = run.flatMap((e) => {
        const c = e.event as Extract<LiveEvent, { type: "chunk" }>;
        return c.marks ?? [[c.offset, c.at] as [number, number]];
      });
      const data = Buffer.concat(run.map((e) => (e.event as Extract<LiveEvent, { type: "chunk" }>).data));
      out.push({ id: run.at(-1)!.id, event: { ...first, data, marks } });
    }
    run = [];
  };
  for (const e of entries) {
    const prev = run.at(-1)?.event;
    const next =
      e.event.type === "chunk" &&
      prev?.type === "chunk" &&
      prev.console === e.event.console &&
      prev.offset + prev.data.length === e.event.offset;
    if (!next) flush();
    if (e.event.type === "chunk") run.push(e);
    else out.push(e);
  }
  flush();
  return out;
}

/** Stream ids "ms-seq" in order; ids compare by both parts, not as strings. */
function after(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am !== bm ? am > bm : as > bs;
}

/** One viewer's place in one run's live stream. */
export class LiveSubscription {
  private queue: LiveEntry[] = [];
  private queuedBytes = 0;
  /** console bytes dropped from this viewer's queue (read from storage instead) */
  droppedBytes = 0;
  private wake: (() => void) | null = null;
  /** entries from the hub's reader held back while older ones are still being fetched */
  private held: LiveEntry[] | null = null;
  closed = false;

  constructor(
    readonly runId: string,
    /** the id of the last entry this viewer has: it receives only later ones */
    public position: string,
    private readonly onClose: (sub: LiveSubscription) => void,
    private readonly maxQueuedBytes = VIEWER_QUEUE_BYTES,
  ) {}

  /** The entries between this viewer's position and the hub's come first, whatever arrives meanwhile. */
  catchUp(older: Promise<LiveEntry[]>): void {
    this.held = [];
    void older.then(
      (entries) => this.release(entries),
      () => this.release([]), // the viewer's own refill from storage covers a failed read
    );
  }

  private release(older: LiveEntry[]): void {
    const held = this.held ?? [];
    this.held = null;
    this.deliver(older);
    this.deliver(held);
  }

  /** Entries after the position, in order, skipping any it already had. */
  deliver(entries: readonly LiveEntry[]): void {
    if (this.held) {
      this.held.push(...entries);
      return;
    }
    let added = false;
    for (const e of entries) {
      const last = this.queue.at(-1)?.id ?? this.position;
      if (after(e.id, last)) {
        this.queue.push(e);
        if (e.event.type === "chunk") this.queuedBytes += e.event.data.length;
        added = true;
      }
    }
    if (this.queuedBytes > this.maxQueuedBytes) this.shed();
    if (added) this.wake?.();
  }

  /** Drops the oldest waiting chunks until the queue fits; statuses stay (they are tiny and final). */
  private shed(): void {
    let excess = this.queuedBytes - this.maxQueuedBytes;
    this.queue = this.queue.filter((e) => {
      if (excess <= 0 || e.event.type !== "chunk") return true;
      excess -= e.event.data.length;
      this.queuedBytes -= e.event.data.length;
      this.droppedBytes += e.event.data.length;
      return false;
    });
  }

  /** Entries that arrived since the last read; waits up to `waitMs` for the first one ([] if none). */
  async read(waitMs: number): Promise<LiveEntry[]> {
    if (this.queue.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    const out = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    if (out.length) this.position = out.at(-1)!.id;
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    this.onClose(this);
  }
}

/**
 * Every live viewer in this process reads through one blocking XREAD over all the runs being
 * watched, instead of holding a Redis connection each: a hundred people on a run page cost two
 * connections (the blocked reader, and one for catch-up reads and to cut the block short when a
 * new run is watched). A viewer joining behind the hub's place in a stream gets the entries in
 * between from XRANGE first, so each viewer sees every entry after its own position, once, in order.
 */
export class LiveHub {
  private readonly streams = new Map<string, { cursor: string; subs: Set<LiveSubscription> }>();
  private reader: Redis | null = null;
  private control: Redis | null = null;
  private readerId: number | null = null;
  private running = false;
  /** the runs the reader's current XREAD covers */
  private reading = new Set<string>();
  private idleTimer: NodeJS.Timeout | null = null;

  /** `clientName` names its connections in Redis's CLIENT LIST. */
  constructor(private readonly clientName = LIVE_HUB_CLIENT_NAME) {}

  /** Connections the hub holds now (0 or 2), for tests and diagnostics. */
  get connections(): number {
    return this.reader ? 2 : 0;
  }

  private connect(): { reader: Redis; control: Redis } {
    if (!this.reader || !this.control) {
      this.reader = new Redis({ ...redisOptions(), connectionName: this.clientName });
      this.control = new Redis({ ...redisOptions(), connectionName: this.clientName });
      // Reads wait while Redis is down and viewers refill from storage; reconnect errors are not news.
      for (const r of [this.reader, this.control]) r.on("error", () => undefined);
      this.readerId = null;
    }
    return { reader: this.reader, control: this.control };
  }

  /** The id of the newest entry of a run's stream ("0-0" when none), to start tailing after a storage read. */
  async latestId(runId: string): Promise<string> {
    const last = await this.connect().control.xrevrange(liveKey(runId), "+", "-", "COUNT", 1);
    this.scheduleIdleClose();
    return last[0]?.[0] ?? "0-0";
  }

  subscribe(runId: string, position: string): LiveSubscription {
    const { control } = this.connect();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const sub = new LiveSubscription(runId, position, (s) => this.unsubscribe(s));
    const stream = this.streams.get(runId);
    if (!stream) {
      this.streams.set(runId, { cursor: position, subs: new Set([sub]) });
      void this.nudge(runId);
    } else {
      if (after(stream.cursor, position)) {
        // Behind the hub's place: what lies between comes from the stream itself, before what follows.
        sub.catchUp(control.xrangeBuffer(liveKey(runId), `(${position}`, stream.cursor).then(decodeLiveEntries));
      }
      stream.subs.add(sub);
    }
    if (!this.running) {
      this.running = true;
      void this.run();
    }
    return sub;
  }

  /**
   * The reader is blocked on the other streams: cut its XREAD short so the next one includes this
   * run. UNBLOCK can reach Redis just before the XREAD it means to cut, so it is repeated until
   * the reader has taken the run in.
   */
  private async nudge(runId: string): Promise<void> {
    for (let i = 0; i < 40 && this.streams.has(runId) && !this.reading.has(runId); i++) {
      const { control, readerId } = this;
      if (control && readerId !== null && Number(await control.client("UNBLOCK", readerId).catch(() => 0)) === 1)
        return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private unsubscribe(sub: LiveSubscription): void {
    const stream = this.streams.get(sub.runId);
    if (!stream) return;
    stream.subs.delete(sub);
    if (stream.subs.size === 0) this.streams.delete(sub.runId);
    if (this.streams.size === 0) this.scheduleIdleClose();
  }

  private scheduleIdleClose(): void {
    if (this.streams.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.streams.size === 0) this.close();
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  private async run(): Promise<void> {
    for (;;) {
      const reader = this.reader;
      // Checked and cleared with no await in between, so a subscribe never finds a loop about to end.
      if (this.streams.size === 0 || !reader) {
        this.running = false;
        this.reading = new Set();
        return;
      }
      try {
        if (this.readerId === null) {
          this.readerId = Number(await reader.client("ID"));
          continue; // streams may have changed while waiting
        }
        const runs = [...this.streams.keys()];
        const keys = runs.map(liveKey);
        this.reading = new Set(runs);
        const res = await reader.xreadBuffer(
          "COUNT",
          500,
          "BLOCK",
          BLOCK_MS,
          "STREAMS",
          ...keys,
          ...runs.map((r) => this.streams.get(r)!.cursor),
        );
        let crowded = false;
        for (const [key, entries] of res ?? []) {
          const stream = this.streams.get(runs[keys.indexOf(key.toString())] ?? "");
          if (!stream || entries.length === 0) continue;
          const crowd = stream.subs.size >= GATHER_VIEWERS;
          const decoded = crowd ? joinChunks(decodeLiveEntries(entries)) : decodeLiveEntries(entries);
          stream.cursor = entries.at(-1)![0].toString();
          for (const sub of stream.subs) sub.deliver(decoded);
          crowded ||= crowd;
        }
        if (crowded) await new Promise((r) => setTimeout(r, GATHER_MS));
      } catch {
        this.readerId = null;
        // Closed by the hub itself (idle, then a viewer came back): go on at once with the new connection.
        if (reader !== this.reader) continue;
        // Redis restarting: viewers refill from Postgres meanwhile.
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Drops both connections; a later subscribe opens them again. */
  close(): void {
    const { reader, control } = this;
    this.reader = null;
    this.control = null;
    this.readerId = null;
    reader?.disconnect();
    control?.disconnect();
  }
}

let hub: LiveHub | undefined;

/** The process's one hub. */
export function liveHub(): LiveHub {
  hub ??= new LiveHub();
  return hub;
}
