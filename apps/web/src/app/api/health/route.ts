import { checkHealth } from "@proofboard/services";

// Every probe asks Postgres and Redis now; nothing here may be cached or prerendered.
export const dynamic = "force-dynamic";
// Postgres and Redis clients need Node's sockets.
export const runtime = "nodejs";

/**
 * For load balancers and people: 200 when Postgres and Redis answer, 503 naming the one that did
 * not (`failed`), with each one's latency and the newest worker heartbeat's age.
 */
export async function GET(): Promise<Response> {
  const report = await checkHealth();
  return new Response(`${JSON.stringify(report)}\n`, {
    status: report.ok ? 200 : 503,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}
