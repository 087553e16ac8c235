import type { Redis } from "ioredis";
import { appendChunk, openConsole, type ConsoleKind } from "@proofboard/services";
import { publishChunk } from "@proofboard/jobs";

const FLUSH_MS = 25;
const MAX_CHUNK = 256 * 1024;

/**
 * Collects a console's bytes and stores them as ordered chunks: Postgres first, then the
 * live stream. Reads from the process are never paused (QEMU drops what it cannot hand
 * over), so bytes wait in memory while a write is in flight.
 */
export class ConsoleWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private offset = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private consoleId: Promise<string>;
  failure: Error | null = null;

  constructor(
    private readonly claim: { runId: string; fence: number },
    readonly name: string,
    private readonly redis: Redis,
    kind: ConsoleKind = "harness",
  ) {
    this.consoleId = openConsole(claim.runId, name, kind);
    this.consoleId.catch((err: Error) => (this.failure = err));
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
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        const at = new Date();
        await appendChunk(this.claim, await this.consoleId, offset, data, at);
        await publishChunk(this.redis, this.claim.runId, this.name, offset, data, at);
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
      }
    });
  }

  /** Everything written so far is stored (or the first failure is thrown). */
  async close(): Promise<void> {
    this.flush();
    await this.consoleId.catch(() => undefined);
    await this.chain;
    if (this.failure) throw this.failure;
  }

  get bytesWritten(): number {
    return this.offset + this.pendingBytes;
  }
}
