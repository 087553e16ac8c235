import type { Redis } from "ioredis";
import { MarkerScanner } from "@proofboard/domain";
import {
  addMarkers,
  appendChunk,
  chunkStored,
  closeConsole,
  FencedOut,
  observeStreamPublish,
  openConsole,
  retagConsole,
  workerMetrics,
  type ConsoleKind,
  type ConsoleVerdict,
  type OrderedMarker,
} from "@proofboard/services";
import { publishChunk } from "@proofboard/jobs";
import type { Kept, RunStorage } from "./durable";
import { SecretMasker } from "./secret-mask";
import type { ConsoleRef } from "./spool-records";

const FLUSH_MS = 25;
const MAX_CHUNK = 256 * 1024;
/** Live bytes handed to Redis and not yet acknowledged; past this (Redis slow or away) viewers refill from storage. */
const LIVE_IN_FLIGHT_BYTES = 8 << 20;

/**
 * This process's count of console writes, across every console of every run: a marker keeps the
 * count of the write that brought its line's first byte, which orders a run's failures the way
 * its output came (the driver's lines for node03 and node01 arrive in one read, and each
 * console stores them on its own timer).
 */
let writes = 0;

const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

export interface ConsoleWriterOptions {
  /** why the lane was expected to print this console (shown if it stays empty) */
  expectedFrom?: string | null;
  /** the catalog's own failure markers (literal text) */
  failureMarkers?: readonly string[];
  /** the worker host's lane secrets: masked before bytes are published or stored (see SecretMasker) */
  secrets?: readonly string[];
}

/**
 * Collects a console's bytes and stores them as ordered chunks: published on the live stream at
 * once, and stored in Postgres one after another. Bytes wait while a write is in flight: in memory,
 * or in the run's spool file past that or while PostgreSQL is unreachable; sources that can wait
 * (pipes, files) are paused when the backlog grows, VM sockets never are (see RunStorage). Failure markers are found as
 * the bytes pass and stored beside them. Lane secrets are masked first, so the live stream, the
 * stored chunks, markers and offsets all see the masked bytes (offsets count masked bytes); bytes
 * that may begin a secret wait for the next read or the close.
 */
export class ConsoleWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private offset = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private consoleId: Promise<string>;
  private readonly scanner: MarkerScanner;
  private readonly masker: SecretMasker;
  /** markers found so far (the first few of the console) */
  readonly markers: OrderedMarker[] = [];
  /** [offset, write count] where each write's bytes start in the pending chunk */
  private arrivals: [number, number][] = [];
  /** the write count of the unfinished line's first byte, once its start has been flushed */
  private openLineSeq = 0;
  failure: Error | null = null;
  /** bytes from here on could not be kept (the worker's spool is full): those before are still stored */
  private unkept: Error | null = null;
  private liveInFlight = 0;
  private readonly expectedFrom: string | null;

  constructor(
    private readonly claim: { runId: string; fence: number },
    readonly name: string,
    private readonly redis: Redis,
    private readonly storage: RunStorage,
    public kind: ConsoleKind = "harness",
    o: ConsoleWriterOptions = {},
  ) {
    this.scanner = new MarkerScanner(o.failureMarkers ?? []);
    this.masker = new SecretMasker(o.secrets ?? []);
    this.expectedFrom = o.expectedFrom ?? null;
    this.consoleId = storage.write(`console ${name}`, () =>
      openConsole(claim.runId, name, kind, o.expectedFrom ?? null),
    );
    this.consoleId.catch((err: Error) => (this.failure ??= err));
  }

  /** A declared console's first bytes came from `kind` (the driver, a serial log). */
  retag(kind: ConsoleKind): void {
    if (this.kind !== "declared" || kind === "declared") return;
    this.kind = kind;
    this.chain = this.chain.then(async () => {
      const id = await this.consoleId.catch(() => null);
      if (id)
        await this.storage
          .write(`console ${this.name}`, () => retagConsole(this.claim, id, kind))
          .catch(() => undefined);
    });
  }

  write(raw: Buffer): void {
    this.take(this.masker.push(raw));
  }

  private take(data: Buffer): void {
    if (data.length === 0) return;
    this.arrivals.push([this.offset + this.pendingBytes, ++writes]);
    this.pending.push(data);
    this.pendingBytes += data.length;
    if (this.pendingBytes >= MAX_CHUNK) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingBytes === 0) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const offset = this.offset;
    this.offset += data.length;
    const newlinesBefore = this.scanner.newlines;
    const found = this.ordered(this.scanner.push(data), offset);
    this.markers.push(...found);
    // When the bytes came, not when they were stored: per-line timestamps survive an outage.
    const at = new Date();
    this.publish(offset, data, at);
    if (this.failure || this.unkept) return;
    let kept: Kept;
    try {
      kept = this.storage.keep(
        { t: "chunk", ...this.ref(), offset, at: at.toISOString(), newlinesBefore, markers: found },
        data,
      );
    } catch (err) {
      this.unkept = asError(err);
      return;
    }
    this.chain = this.chain.then(async () => {
      try {
        if (this.failure) return;
        const id = await this.consoleId;
        const bytes = await kept.read();
        await this.storage.write(`console ${this.name}`, async (again) => {
          await appendChunk(this.claim, id, offset, bytes, at, newlinesBefore).catch(async (err: unknown) => {
            // The attempt before may have landed, its answer lost with the connection.
            if (!(again && err instanceof FencedOut && (await chunkStored(id, offset, bytes.length)))) throw err;
          });
        });
        workerMetrics.consoleBytes.inc({ kind: this.kind }, bytes.length);
        await this.storage.write(`console ${this.name}`, () => addMarkers(this.claim, id, found, at));
      } catch (err) {
        this.failure ??= asError(err);
      } finally {
        kept.release();
      }
    });
  }

  /** The flushed chunk's markers with the write count of their lines' first bytes (see `writes`). */
  private ordered(found: ReturnType<MarkerScanner["push"]>, chunkStart: number): OrderedMarker[] {
    const seqAt = (at: number) => {
      if (at < chunkStart) return this.openLineSeq;
      let seq = this.openLineSeq;
      for (const [start, n] of this.arrivals) if (start <= at) seq = n;
      return seq;
    };
    const out = found.map((m) => ({ ...m, seq: seqAt(m.offset) }));
    this.openLineSeq = seqAt(this.scanner.openLineStart);
    this.arrivals = [];
    return out;
  }

  /** In order, as the bytes come; Redis is transport, so a failed publish costs viewers a refill, never the run. */
  private publish(offset: number, data: Buffer, at: Date): void {
    if (this.liveInFlight + data.length > LIVE_IN_FLIGHT_BYTES) return;
    this.liveInFlight += data.length;
    void publishChunk(this.redis, this.claim.runId, this.name, offset, data, at)
      .then(
        () => observeStreamPublish((Date.now() - at.getTime()) / 1000),
        () => undefined,
      )
      .finally(() => (this.liveInFlight -= data.length));
  }

  /**
   * Everything written so far is stored (or the first failure is thrown), with the console's line
   * count and its verdict: no-output when nothing was printed, else the given one, else failed when
   * a marker was found and clean ("no failure seen") when none was.
   */
  async close(verdict: ConsoleVerdict | null = null): Promise<void> {
    // Up to the first await, all of this happens as close() is called: the close record is kept
    // before whatever the caller keeps next (the run's verdict; see RunConsoles.closeAll).
    this.take(this.masker.end());
    this.flush();
    const last = this.ordered(this.scanner.finish(), this.offset);
    this.markers.push(...last);
    const at = new Date();
    const derived = this.markers.length > 0 ? "failed" : "clean";
    const end = { lines: this.scanner.lines, verdict: this.offset === 0 ? "no-output" : (verdict ?? derived) } as const;
    const kept =
      this.failure || this.unkept
        ? null
        : this.storage.keep({ t: "close", ...this.ref(), at: at.toISOString(), ...end, markers: last });
    const id = await this.consoleId.catch(() => null);
    await this.chain;
    if (this.failure) throw this.failure;
    if (this.unkept) throw this.unkept;
    if (!id) return;
    await this.storage.write(`console ${this.name}`, () => addMarkers(this.claim, id, last, at));
    await this.storage.write(`console ${this.name}`, () => closeConsole(this.claim, id, end));
    kept?.release();
  }

  private ref(): ConsoleRef {
    return { console: this.name, kind: this.kind, expectedFrom: this.expectedFrom };
  }

  get bytesWritten(): number {
    return this.offset + this.pendingBytes;
  }
}
