import net from "node:net";

const TICK_MS = 100;

/**
 * A TCP proxy in front of a server whose way back to the client can be slowed to a rate: it reads
 * from the server only that fast, so the server meets real TCP backpressure, as behind a slow link.
 * Requests go through at full speed.
 */
export class SlowLink {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private timer: NodeJS.Timeout | null = null;
  private readonly drains = new Set<() => void>();
  /** bytes per second from the server to the client; null: as fast as they come */
  bytesPerSecond: number | null = null;
  /** bytes passed on to clients so far */
  delivered = 0;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => {
          this.sockets.delete(s);
          this.drains.delete(drain);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      // Paused: Node reads from the kernel only while its small buffer has room.
      const drain = () => {
        const rate = this.bytesPerSecond;
        let budget = rate === null ? Infinity : Math.max(1, Math.round((rate * TICK_MS) / 1000));
        while (budget > 0 && upstream.readableLength > 0) {
          const chunk = upstream.read(Math.min(budget, upstream.readableLength)) as Buffer | null;
          if (!chunk) break;
          budget -= chunk.length;
          this.delivered += chunk.length;
          client.write(chunk);
        }
      };
      this.drains.add(drain);
      upstream.on("readable", () => {
        if (this.bytesPerSecond === null) drain();
      });
      upstream.on("end", () => {
        drain();
        client.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    this.timer = setInterval(() => {
      for (const drain of this.drains) drain();
    }, TICK_MS);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.server?.close();
    for (const s of this.sockets) s.destroy();
  }
}
