import type { Redis } from "ioredis";
import { MarkerScanner, type ConsoleMarker } from "@proofboard/domain";
import { addMarkers, appendChunk, closeConsole, openConsole, retagConsole, type ConsoleKind, type ConsoleVerdict } from "@proofboard/services";
import { publishChunk } from "@proofboard/jobs";

const FLUSH_MS = 25;
const MAX_CHUNK = 256 * 1024;

export interface ConsoleWriterOptions {
  /** why the lane was expected to print this console (shown if it stays empty) */
  expectedFrom?: string | null;
  /** the catalog's own failure markers (literal text) */
  failureMarkers?: readonly string[];
}

/**
 * Collects a console's bytes and stores them as ordered chunks: Postgres first, then the
 * live stream. Reads from the process are never paused (QEMU drops what it cannot hand
 * over), so bytes wait in memory while a write is in flight. Failure markers are found as the
 * bytes pass and stored beside them.
 */
export class ConsoleWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private offset = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private consoleId: Promise<string>;
  private readonly scanner: MarkerScanner;
  /** markers found so far (the first few of the console) */
  readonly markers: ConsoleMarker[] = [];
  failure: Error | null = null;

  constructor(
    private readonly claim: { runId: string; fence: number },
    readonly name: string,
    private readonly redis: Redis,
    public kind: ConsoleKind = "harness",
    o: ConsoleWriterOptions = {},
  ) {
    this.scanner = new MarkerScanner(o.failureMarkers ?? []);
    this.consoleId = openConsole(claim.runId, name, kind, o.expectedFrom ?? null);
    this.consoleId.catch((err: Error) => (this.failure = err));
  }

  /** A declared console's first bytes came from `kind` (the driver, a serial log). */
  retag(kind: ConsoleKind): void {
    if (this.kind !== "declared" || kind === "declared") return;
    this.kind = kind;
    this.chain = this.chain.then(async () => {
      await retagConsole(this.claim, await this.consoleId, kind).catch(() => undefined);
    });
  }

  write(data: Buffer): void {
    if (data.length === 0) return;
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
    const found = this.scanner.push(data);
    this.markers.push(...found);
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        const at = new Date();
        const id = await this.consoleId;
        await appendChunk(this.claim, id, offset, data, at);
        await publishChunk(this.redis, this.claim.runId, this.name, offset, data, at);
        await addMarkers(this.claim, id, found, at);
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
      }
    });
  }

  /**
   * Everything written so far is stored (or the first failure is thrown), with the console's line
   * count and its verdict: no-output when nothing was printed, else the given one, else failed when
   * a marker was found and clean ("no failure seen") when none was.
   */
  async close(verdict: ConsoleVerdict | null = null): Promise<void> {
    this.flush();
    const last = this.scanner.finish();
    this.markers.push(...last);
    const id = await this.consoleId.catch(() => null);
    await this.chain;
    if (this.failure) throw this.failure;
    if (!id) return;
    const at = new Date();
    await addMarkers(this.claim, id, last, at);
    const derived = this.markers.length > 0 ? "failed" : "clean";
    await closeConsole(this.claim, id, { lines: this.scanner.lines, verdict: this.offset === 0 ? "no-output" : (verdict ?? derived) });
  }

  get bytesWritten(): number {
    return this.offset + this.pendingBytes;
  }
}
