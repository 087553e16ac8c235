import { readConsoleById } from "./consoles";

/** Bytes read from storage at a time: big enough for few queries, small enough to stay bounded. */
const SLICE_BYTES = 4 << 20;
/** A longer line is kept up to here by default (the rest of it is skipped): no regex runs over megabytes. */
const LINE_MAX_BYTES = 64 * 1024;

/** Stored bytes of a console from `from`, about `maxBytes` of them (whole chunks), exact to the byte; shorter at a hole. */
export async function readStoredSlice(consoleId: string, from: number, maxBytes: number): Promise<Buffer> {
  return (await readConsoleById(consoleId, from, maxBytes)).data;
}

/**
 * A stored console's lines in order, read slice by slice: memory holds one slice and one line,
 * whatever the console's size. Lines end at "\n"; their text is decoded as UTF-8 (invalid bytes
 * become U+FFFD) and keeps its escape sequences and "\r".
 */
export class ConsoleLines {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private from = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private done = false;
  /** lines returned so far */
  count = 0;

  constructor(
    private readonly consoleId: string,
    /** stop after this many bytes: the reader then reports `limited` */
    private readonly maxBytes: number,
    private readonly lineMax = LINE_MAX_BYTES,
  ) {}

  /** Bytes read from storage so far. */
  get bytes(): number {
    return this.from;
  }

  /** Whether the reader stopped at maxBytes with more stored after it. */
  limited = false;

  async next(): Promise<string | null> {
    for (;;) {
      const nl = this.buf.indexOf(0x0a, this.pos);
      if (nl >= 0) {
        const line = this.take(this.buf.subarray(this.pos, nl));
        this.pos = nl + 1;
        return line;
      }
      this.keep(this.buf.subarray(this.pos));
      this.pos = this.buf.length;
      if (this.done || !(await this.refill())) {
        this.done = true;
        if (this.partialBytes === 0 && this.partial.length === 0) return null;
        return this.take(Buffer.alloc(0));
      }
    }
  }

  private async refill(): Promise<boolean> {
    if (this.from >= this.maxBytes) {
      this.limited = (await readStoredSlice(this.consoleId, this.from, 1)).length > 0;
      return false;
    }
    const data = await readStoredSlice(this.consoleId, this.from, Math.min(SLICE_BYTES, this.maxBytes - this.from));
    if (data.length === 0) return false;
    this.buf = data;
    this.pos = 0;
    this.from += data.length;
    return true;
  }

  private keep(part: Buffer): void {
    const room = this.lineMax - this.partialBytes;
    if (part.length === 0 || room <= 0) {
      if (part.length > 0) this.partial.push(Buffer.alloc(0)); // a line exists even when all of it was cut
      return;
    }
    const kept = Buffer.from(part.subarray(0, room));
    this.partial.push(kept);
    this.partialBytes += kept.length;
  }

  private take(tail: Buffer): string {
    this.count++;
    // The common case, a line inside one slice, is decoded where it lies.
    if (this.partial.length === 0) return tail.toString("utf8", 0, Math.min(tail.length, this.lineMax));
    this.keep(tail);
    const bytes = this.partial.length === 1 ? this.partial[0]! : Buffer.concat(this.partial);
    this.partial = [];
    this.partialBytes = 0;
    return bytes.toString("utf8");
  }
}
