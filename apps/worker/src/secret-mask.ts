/** What a secret's bytes become in a stored console. */
export const MASK = Buffer.from("***");
/** Shorter values are not masked: "abc" or "1" would hit ordinary output everywhere. */
export const MIN_MASKED_BYTES = 4;

const EMPTY = Buffer.alloc(0);

/** Start (inclusive) and end (exclusive) of masked bytes; sorted, disjoint and never adjacent. */
type Span = [number, number];

/**
 * Replaces every occurrence of the given values in a byte stream with `***`, as the stream passes
 * in chunks of any size. Overlapping or adjacent occurrences (of one value or of several) become
 * one `***`, and the result is the same however the stream is cut: a value split over two chunks
 * is held back until it is known whole. Only bytes that may still begin a value wait (at most the
 * longest value's length less one); the rest is returned at once, and a chunk without any value
 * is returned as it is (no copy). Pure: no I/O, no timers.
 */
export class SecretMasker {
  private readonly values: Buffer[];
  private readonly longest: number;
  /**
   * Bytes not returned yet, after `covered` bytes that were (inside a mask) and are kept only so a
   * value that began in them is still recognised when it ends in the next chunk.
   */
  private held: Buffer = EMPTY;
  private covered = 0;
  /** what was returned last ends with a mask: a value starting right here joins it */
  private joined = false;

  constructor(values: Iterable<string | Buffer>) {
    const unique = new Map<string, Buffer>();
    for (const v of values) {
      const b = Buffer.isBuffer(v) ? v : Buffer.from(v, "utf8");
      if (b.length >= MIN_MASKED_BYTES) unique.set(b.toString("hex"), Buffer.from(b));
    }
    this.values = [...unique.values()];
    this.longest = Math.max(0, ...this.values.map((v) => v.length));
  }

  /** false when nothing is masked (no values, or all too short): bytes pass through untouched */
  get active(): boolean {
    return this.values.length > 0;
  }

  /** The bytes of `chunk` (with any held back before it) that can be shown now, masked. */
  push(chunk: Buffer): Buffer {
    if (!this.active || chunk.length === 0) return this.active ? EMPTY : chunk;
    const buf = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const base = this.covered;
    const partial = this.partialStart(buf);
    const spans = this.spans(buf);
    let cut = Math.max(partial, base);
    // Never cut through a mask: what follows a known occurrence waits behind it instead.
    const through = spans.find(([s, e]) => s < cut && cut < e);
    if (through) cut = through[1];
    const keepFrom = Math.min(partial, cut);
    const out = this.render(buf, base, cut, spans);
    // A copy, so a small tail does not keep a large chunk alive.
    this.held = keepFrom === buf.length ? EMPTY : Buffer.from(buf.subarray(keepFrom));
    this.covered = cut - keepFrom;
    return out;
  }

  /** The end of the stream: whatever was held back, masked where it holds whole values. */
  end(): Buffer {
    const buf = this.held;
    const out = buf.length ? this.render(buf, this.covered, buf.length, this.spans(buf)) : EMPTY;
    this.held = EMPTY;
    this.covered = 0;
    this.joined = false;
    return out;
  }

  /** A whole, finished text or buffer, masked (e.g. a console's last line for a run's reason). */
  maskAll(data: Buffer): Buffer {
    if (!this.active) return data;
    const once = new SecretMasker(this.values);
    const head = once.push(data);
    const tail = once.end();
    return tail.length ? Buffer.concat([head, tail]) : head;
  }

  maskText(text: string): string {
    return this.active ? this.maskAll(Buffer.from(text, "utf8")).toString("utf8") : text;
  }

  /** The first position from which the rest of `buf` is the beginning (not all) of some value; buf.length if none. */
  private partialStart(buf: Buffer): number {
    let first = buf.length;
    for (const v of this.values) {
      let i = buf.indexOf(v[0]!, Math.max(0, buf.length - v.length + 1));
      while (i !== -1 && i < first) {
        if (buf.compare(v, 0, buf.length - i, i) === 0) first = i;
        else i = buf.indexOf(v[0]!, i + 1);
      }
    }
    return first;
  }

  /** Every occurrence of every value in `buf`, overlapping and adjacent ones merged. */
  private spans(buf: Buffer): Span[] {
    const found: Span[] = [];
    for (const v of this.values) {
      for (let i = buf.indexOf(v); i !== -1; i = buf.indexOf(v, i + 1)) found.push([i, i + v.length]);
    }
    if (found.length === 0) return found;
    found.sort((a, b) => a[0] - b[0]);
    const merged: Span[] = [found[0]!];
    for (const [s, e] of found.slice(1)) {
      const last = merged[merged.length - 1]!;
      if (s <= last[1]) last[1] = Math.max(last[1], e);
      else merged.push([s, e]);
    }
    return merged;
  }

  /** buf[from, to) with each span replaced by one mask; a span that continues the last mask adds nothing. */
  private render(buf: Buffer, from: number, to: number, spans: Span[]): Buffer {
    const parts: Buffer[] = [];
    let pos = from;
    let endsMasked = this.joined && from === to;
    for (const [s, e] of spans) {
      if (e <= from || s >= to) continue;
      if (s > pos) parts.push(buf.subarray(pos, s));
      const continues = s < from || (s === from && this.joined);
      if (!continues) parts.push(MASK);
      pos = e;
      endsMasked = true;
    }
    if (pos < to) {
      parts.push(pos === 0 && to === buf.length ? buf : buf.subarray(pos, to));
      endsMasked = false;
    }
    this.joined = endsMasked;
    if (parts.length === 1) return parts[0]!;
    return parts.length === 0 ? EMPTY : Buffer.concat(parts);
  }
}
