import http from "node:http";
import type { AddressInfo } from "node:net";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter, createContext, handleConsoleDownload } from "@proofboard/api";

/**
 * The real API served over HTTP the way the web app serves it (`/api/trpc`, the raw console route),
 * for tests that run the CLI as a separate process. It lives in this package, never imported by
 * src/, because this package is where @trpc/server resolves from; the repository root lacks it.
 */
export interface ApiServer {
  url: string;
  /** every request's path as it arrived (undecoded), for tests that check what never reaches a URL */
  paths: string[];
  close(): Promise<void>;
}

const RAW_CONSOLE = /^\/api\/runs\/([^/]+)\/consoles\/([^/]+)\/raw$/;

export async function serveApi(): Promise<ApiServer> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push((req.url ?? "").split("?")[0]!);
    handle(req, res).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const request = await toRequest(req);
  const path = new URL(request.url).pathname;
  const raw = RAW_CONSOLE.exec(path);
  let response: Response;
  if (path.startsWith("/api/trpc/")) {
    response = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: request,
      router: appRouter,
      createContext: ({ req: r }) => createContext({ req: r }),
    });
  } else if (raw && request.method === "GET") {
    response = await handleConsoleDownload(request, decodeURIComponent(raw[1]!), decodeURIComponent(raw[2]!));
  } else {
    response = new Response("not found\n", { status: 404, headers: { "content-type": "text/html" } });
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) for await (const chunk of response.body) res.write(chunk);
  res.end();
}

async function toRequest(req: http.IncomingMessage): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const v of [value ?? []].flat()) headers.append(name, v);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`), {
    method: req.method,
    headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
  });
}
