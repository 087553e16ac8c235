import http from "node:http";
import type { AddressInfo } from "node:net";
import { PROMETHEUS_CONTENT_TYPE, type HealthReport } from "@proofboard/services";

export interface HealthServerOptions {
  /** 0: a free port the OS picks (read it back from `port`) */
  port: number;
  host: string;
  /** the Prometheus text exposition for GET /metrics */
  metrics: () => Promise<string>;
  /** GET /health: 200 when ok, 503 with what failed otherwise */
  check: () => Promise<HealthReport>;
}

export interface HealthServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

/**
 * A worker's /health and /metrics on plain node:http: the worker has no web framework, and two
 * read-only paths do not need one.
 */
export async function startHealthServer(o: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain; charset=utf-8", "only GET\n");
    if (path === "/health") {
      void o.check().then(
        (report) => send(res, report.ok ? 200 : 503, "application/json; charset=utf-8", `${JSON.stringify(report)}\n`),
        (err: unknown) =>
          send(
            res,
            500,
            "text/plain; charset=utf-8",
            `health check failed: ${err instanceof Error ? err.message : String(err)}\n`,
          ),
      );
      return;
    }
    if (path === "/metrics") {
      void o.metrics().then(
        (text) => send(res, 200, PROMETHEUS_CONTENT_TYPE, text),
        (err: unknown) =>
          send(
            res,
            500,
            "text/plain; charset=utf-8",
            `metrics failed: ${err instanceof Error ? err.message : String(err)}\n`,
          ),
      );
      return;
    }
    send(res, 404, "text/plain; charset=utf-8", "not found: GET /health or /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // A scraper keeping its connection open must not hold the worker's exit.
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const shownHost = o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    port,
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
