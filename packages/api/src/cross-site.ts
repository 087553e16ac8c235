import { env } from "@proofboard/env";

/**
 * Cookies ride along on any request a browser sends, including one a hostile page starts (a form
 * posting to /api/trpc/auth.logout, say). A mutation is therefore refused unless the browser says it
 * came from our own pages. Each check alone is enough against a form; together they also cover
 * browsers that send only one of the two headers:
 *  - Sec-Fetch-Site (every current browser) must not be cross-site;
 *  - Origin, when sent, must be ours: PROOFBOARD_PUBLIC_URL's, else the host the request was sent to
 *    (X-Forwarded-Host behind a proxy; a page cannot set that header without a CORS preflight,
 *    which this API never grants);
 *  - the body must be application/json, a type no form can send.
 * The CLI (Node's fetch) sends neither header and a JSON body, so it passes.
 */
export function crossSiteRefusal(req: Request, publicUrl: string | undefined): string | null {
  const site = req.headers.get("sec-fetch-site");
  if (site === "cross-site") return "the browser marked it cross-site (Sec-Fetch-Site)";
  const origin = req.headers.get("origin");
  if (origin !== null) {
    const own = publicUrl ? new URL(publicUrl).origin : null;
    if (own ? origin !== own : !sameHost(origin, requestHost(req))) {
      return `Origin ${JSON.stringify(origin.slice(0, 200))} is not ${own ?? "this site"}`;
    }
  }
  const type = req.headers.get("content-type")?.split(";", 1)[0]?.trim().toLowerCase();
  if (type !== "application/json")
    return `a change must be sent as application/json, not ${JSON.stringify(type ?? "no content type")}`;
  return null;
}

function requestHost(req: Request): string {
  const forwarded = req.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  return (forwarded || req.headers.get("host") || new URL(req.url).host).toLowerCase();
}

/** "null" (a sandboxed frame, a file: page) and anything unparsable are never our host. */
function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host;
  } catch {
    return false;
  }
}

/** A tRPC-shaped answer, so the web client and the CLI show the message like any other error. */
function refusal(path: string, message: string): Response {
  const body = { error: { message, code: -32003, data: { code: "FORBIDDEN", httpStatus: 403, path } } };
  return new Response(JSON.stringify(body), { status: 403, headers: { "content-type": "application/json" } });
}

/**
 * Every tRPC mutation arrives as a POST (tRPC refuses them on GET), so refusing cross-site POSTs
 * here, before tRPC reads the body, covers every mutation, whatever content type was sent.
 */
export function refuseCrossSitePost(req: Request, endpoint = "/api/trpc"): Response | null {
  if (req.method !== "POST") return null;
  const reason = crossSiteRefusal(req, env().PROOFBOARD_PUBLIC_URL);
  if (!reason) return null;
  const path = decodeURIComponent(new URL(req.url).pathname.slice(endpoint.length + 1)).slice(0, 200);
  return refusal(path, `cross-site request refused: ${reason}`);
}
