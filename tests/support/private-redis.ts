import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { Redis } from "ioredis";

/**
 * A redis-server of the test's own on a free port, without persistence, so a test may FLUSHALL it:
 * the shared Redis on 6379 holds other suites' data and is never flushed.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  client: Redis;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `port`: start again on the port of one that was stopped (a Redis coming back after an outage). */
export async function startPrivateRedis(port?: number): Promise<PrivateRedis> {
  port ??= await freePort();
  if (port === 6379) throw new Error("refusing to start a private Redis on the shared port 6379");
  const proc: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: null });
  client.on("error", () => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(
          `private redis-server on ${port} did not start (is redis-server installed? scripts/setup.sh installs it): ${String(err)}`,
        );
      client.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    client,
    async stop() {
      client.disconnect();
      // a second stop (a test's own, then its afterAll) finds it already killed by signal
      if (proc.exitCode === null && proc.signalCode === null && proc.pid) {
        const exited = new Promise((r) => proc.once("exit", r));
        process.kill(proc.pid, "SIGKILL");
        await exited;
      }
    },
  };
}
