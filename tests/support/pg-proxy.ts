import net from "node:net";

/** A TCP proxy to the real PostgreSQL that can be cut (every socket destroyed, new ones refused) and restored. */
export class PgProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** A proxy to the database a URL names. */
  static to(databaseUrl: string): PgProxy {
    const u = new URL(databaseUrl);
    return new PgProxy({ host: u.hostname, port: Number(u.port || 5432) });
  }

  /** The URL, through this proxy (once it listens). */
  via(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.host = `127.0.0.1:${this.port}`;
    return u.toString();
  }

  async listen(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  cut(): void {
    this.server?.close();
    this.server = null;
    for (const s of this.sockets) s.destroy();
  }
}
