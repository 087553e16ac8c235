/** What the feed needs from a terminal: xterm's `write(data, callback)`, called back once parsed. */
export interface FeedSink {
  write(data: Uint8Array, callback: () => void): void;
}

/**
 * xterm's write() throws once ~50 MB wait to be parsed, and a console refilled from storage can be
 * far larger: no more than this many unparsed bytes are handed to it at a time.
 */
export const HIGH_WATERMARK = 4 * 1024 * 1024;
/** Big refills are cut so the watermark is honoured; xterm reassembles UTF-8 split across writes. */
export const MAX_CHUNK = 256 * 1024;

/**
 * An ordered byte queue in front of a terminal. It holds bytes written before the terminal exists
 * (xterm loads asynchronously), applies flow control, and drops everything on reset so no byte of
 * an old stream can land in the new one.
 */
export class TerminalFeed {
  private queue: Uint8Array[] = [];
  private head = 0;
  private inFlight = 0;
  private sink: FeedSink | null = null;
  // Callbacks of a detached sink still fire while xterm finishes; the generation makes them no-ops.
  private generation = 0;

  get queuedBytes(): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) n += this.queue[i]?.length ?? 0;
    return n;
  }

  push(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; at += MAX_CHUNK) this.queue.push(bytes.subarray(at, at + MAX_CHUNK));
    this.drain();
  }

  /** Switches to another terminal (or none); bytes already handed to the previous one stay there. */
  attach(sink: FeedSink | null): void {
    this.generation++;
    this.inFlight = 0;
    this.sink = sink;
    this.drain();
  }

  /** Forgets every byte not yet handed to the terminal. */
  clear(): void {
    this.queue = [];
    this.head = 0;
  }

  private drain(): void {
    const sink = this.sink;
    if (!sink) return;
    const generation = this.generation;
    while (this.head < this.queue.length && this.inFlight < HIGH_WATERMARK) {
      const chunk = this.queue[this.head] as Uint8Array;
      this.head++;
      this.inFlight += chunk.length;
      sink.write(chunk, () => {
        if (generation !== this.generation) return;
        this.inFlight -= chunk.length;
        this.drain();
      });
    }
    // Compact only once the consumed prefix dominates, so a steady trickle stays O(1) per chunk.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
