import { describe, expect, it } from "vitest";
import { HIGH_WATERMARK, MAX_CHUNK, TerminalFeed, type FeedSink } from "./terminal-feed";

class FakeSink implements FeedSink {
  written: Uint8Array[] = [];
  pending: (() => void)[] = [];
  write(data: Uint8Array, callback: () => void): void {
    this.written.push(data);
    this.pending.push(callback);
  }
  parseAll(): void {
    while (this.pending.length > 0) this.pending.shift()?.();
  }
  text(): string {
    return Buffer.concat(this.written).toString("utf8");
  }
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe("TerminalFeed", () => {
  it("keeps bytes written before the terminal exists and delivers them in order", () => {
    const feed = new TerminalFeed();
    feed.push(bytes("boot "));
    feed.push(bytes("ok\r\n"));
    const sink = new FakeSink();
    feed.attach(sink);
    feed.push(bytes("login:"));
    expect(sink.text()).toBe("boot ok\r\nlogin:");
  });

  it("stops at the watermark until the terminal has parsed, and cuts big writes", () => {
    const feed = new TerminalFeed();
    const sink = new FakeSink();
    feed.attach(sink);
    feed.push(new Uint8Array(HIGH_WATERMARK * 2 + 10));
    expect(sink.written.every((c) => c.length <= MAX_CHUNK)).toBe(true);
    expect(sink.written.reduce((n, c) => n + c.length, 0)).toBe(HIGH_WATERMARK);
    expect(feed.queuedBytes).toBe(HIGH_WATERMARK + 10);
    sink.parseAll();
    sink.parseAll();
    sink.parseAll();
    expect(sink.written.reduce((n, c) => n + c.length, 0)).toBe(HIGH_WATERMARK * 2 + 10);
    expect(feed.queuedBytes).toBe(0);
  });

  it("never lets an old stream reach a new terminal after a reset", () => {
    const feed = new TerminalFeed();
    const old = new FakeSink();
    feed.attach(old);
    feed.push(new Uint8Array(HIGH_WATERMARK + MAX_CHUNK));
    feed.clear();
    const fresh = new FakeSink();
    feed.attach(fresh);
    old.parseAll();
    feed.push(bytes("new"));
    expect(fresh.text()).toBe("new");
  });
});
