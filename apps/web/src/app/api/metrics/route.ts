import { fleetMetricsText, PROMETHEUS_CONTENT_TYPE } from "@proofboard/services";

// Computed on each scrape from Postgres and Redis; never cached or prerendered.
export const dynamic = "force-dynamic";
// Postgres and Redis clients need Node's sockets.
export const runtime = "nodejs";

/**
 * Prometheus scrape target (README: Health and metrics): queue depth per host class, runs by
 * state, heartbeat age per host. A dependency that is down costs its own figures, never the scrape.
 */
export async function GET(): Promise<Response> {
  return new Response(await fleetMetricsText(), {
    headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
  });
}
