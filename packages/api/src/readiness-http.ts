import { z } from "zod";
import { env } from "@proofboard/env";
import { branchByName, branchView, NotFoundError, repositoryByName, type BranchView } from "@proofboard/services";
import { badgeSvg, type BadgeTone } from "./badge";
import { plainIssues } from "./input-issues";
import { nameInput } from "./names";
import { accessRefusal, authenticate } from "./trpc";

/**
 * Plain-HTTP readiness for things that are not Proofboard's pages: SVG badges (READMEs, dashboards)
 * and the versioned JSON document release tooling reads (README: Readiness for release tooling).
 * Both judge the head commit exactly as the branch page does (branchView), with the API's reading
 * rules: PROOFBOARD_READ_ACCESS=login needs a session cookie or a bearer token.
 */

/** The JSON document's version: fields are only ever added within it; a removal or change of meaning makes version 2. */
export const READINESS_DOCUMENT_VERSION = 1;

const query = z.object({
  branch: nameInput(255),
  repository: nameInput(200).optional(),
  gate: nameInput(200).optional(),
});

/** Who may read, asked as the API asks: a refusal as status and message, else null. */
async function readRefusal(req: Request, what: string): Promise<{ status: number; message: string } | null> {
  const refused = accessRefusal({ actor: "http", ...(await authenticate(req)) }, "read", what);
  return refused ? { status: refused.code === "FORBIDDEN" ? 403 : 401, message: refused.message } : null;
}

function queryOf(url: URL, branch?: string) {
  const params = Object.fromEntries([...url.searchParams.keys()].map((k) => [k, url.searchParams.get(k)!]));
  return query.safeParse(branch === undefined ? params : { ...params, branch });
}

/** A query whose escapes do not decode (`?branch=%ff`), which URLSearchParams would read as U+FFFD and look up. */
function malformedQuery(url: URL): boolean {
  return url.search
    .slice(1)
    .split("&")
    .some((part) => {
      try {
        decodeURIComponent(part.replace(/\+/g, " "));
        return false;
      } catch {
        return true;
      }
    });
}

const MALFORMED =
  "query: a malformed escape (a % must be followed by two hex digits that spell UTF-8; % itself is %25)";

// ---------------------------------------------------------------------------------------------
// GET /api/v1/readiness?branch=NAME[&repository=NAME]

function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(body, null, 2)}\n`, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...extra },
  });
}

const jsonError = (status: number, code: string, message: string, extra?: Record<string, string>) =>
  json(status, { version: READINESS_DOCUMENT_VERSION, error: { code, message } }, extra);

/**
 * Where runs are linked: PROOFBOARD_PUBLIC_URL, else the host the request was sent to (a proxy's
 * X-Forwarded-Host/-Proto first; Next reports its own hostname in req.url). A header that is not a
 * plain host[:port] is ignored: it would only mislead the one who sent it, but stays out anyway.
 */
function baseUrl(req: Request): string {
  const configured = env().PROOFBOARD_PUBLIC_URL;
  if (configured) return configured.replace(/\/+$/, "");
  const url = new URL(req.url);
  const first = (name: string) => req.headers.get(name)?.split(",")[0]?.trim() || undefined;
  const host =
    [first("x-forwarded-host"), first("host")].find(
      (h) => h && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(h),
    ) ?? url.host;
  const proto = first("x-forwarded-proto");
  return `${proto === "https" || proto === "http" ? proto : url.protocol.slice(0, -1)}://${host}`;
}

export function readinessDocument(view: BranchView, repository: string, base: string, now = new Date()) {
  return {
    version: READINESS_DOCUMENT_VERSION,
    repository,
    branch: view.branch.name,
    commit: { sha: view.branch.headSha, subject: view.commit?.subject ?? null },
    releaseReady: view.readiness?.releaseReady ?? false,
    catalogError: view.catalogError,
    missing: view.readiness?.missing ?? [],
    gates: (view.readiness?.gates ?? []).map((g) => ({
      id: g.gate.id,
      name: g.gate.name,
      release: g.gate.release,
      ready: g.green,
      missing: g.missing,
      lanes: g.lanes.map((l) => ({
        lane: l.lane,
        state: l.state,
        runId: l.headRun?.id ?? null,
        runUrl: l.headRun ? `${base}/runs/${l.headRun.id}` : null,
        finishedAt: l.headRun?.finishedAt?.toISOString() ?? null,
      })),
    })),
    generatedAt: now.toISOString(),
  };
}

export async function handleReadinessJson(req: Request): Promise<Response> {
  const refused = await readRefusal(req, "reading readiness");
  if (refused)
    return jsonError(refused.status, refused.status === 401 ? "unauthorized" : "forbidden", refused.message, {
      "www-authenticate": "Bearer",
    });
  const url = new URL(req.url);
  if (malformedQuery(url)) return jsonError(400, "bad_request", MALFORMED);
  const parsed = queryOf(url);
  if (!parsed.success) return jsonError(400, "bad_request", plainIssues(parsed.error, "query"));
  try {
    const repo = await repositoryByName(parsed.data.repository);
    const view = await branchView(repo, await branchByName(repo, parsed.data.branch));
    return json(200, readinessDocument(view, repo.name, baseUrl(req)));
  } catch (err) {
    if (err instanceof NotFoundError) return jsonError(404, "not_found", err.message);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// GET /badges/<branch>.svg[?gate=ID][&repository=NAME]

function svg(
  status: number,
  label: string,
  message: string,
  tone: BadgeTone,
  cache: string,
  detail?: string,
): Response {
  return new Response(badgeSvg(label, message, tone, detail), {
    status,
    headers: {
      "content-type": "image/svg+xml; charset=utf-8",
      "cache-control": cache,
      "x-content-type-options": "nosniff",
    },
  });
}

/**
 * The branch of a badge address: everything after /badges/ up to a final ".svg", each segment
 * decoded on its own (branch names hold slashes: /badges/release/2026.11.svg). Null when the
 * address is not a badge's.
 */
export function badgeBranch(pathname: string): string | null {
  const rest = /^\/badges\/(.+)\.svg$/.exec(pathname)?.[1];
  if (!rest) return null;
  try {
    return rest.split("/").map(decodeURIComponent).join("/");
  } catch {
    return null;
  }
}

export async function handleBadge(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const noStore = "no-store";
  const refused = await readRefusal(req, "reading a badge");
  if (refused) {
    const res = svg(refused.status, "release", "login needed", "unknown", noStore);
    res.headers.set("www-authenticate", "Bearer");
    return res;
  }
  const branch = badgeBranch(url.pathname);
  if (branch === null) return svg(404, "release", "not a badge address", "unknown", noStore);
  const parsed = queryOf(url, branch);
  if (!parsed.success || malformedQuery(url)) return svg(400, "release", "bad name", "unknown", noStore);
  const { gate } = parsed.data;
  const label = gate ?? "release";
  try {
    const repo = await repositoryByName(parsed.data.repository);
    const view = await branchView(repo, await branchByName(repo, parsed.data.branch));
    // Short: a README shows a verdict a minute old at most; a login-only board keeps it out of shared caches.
    const cache = `${env().PROOFBOARD_READ_ACCESS === "public" ? "public" : "private"}, max-age=30`;
    // No verdict: say why where there is a reason (the catalog at the head cannot be read), not just "unknown".
    if (!view.readiness)
      return view.catalogError
        ? svg(200, label, "catalog error", "unknown", cache, view.catalogError)
        : svg(200, label, "unknown", "unknown", cache);
    const ready =
      gate === undefined ? view.readiness.releaseReady : view.readiness.gates.find((g) => g.gate.id === gate)?.green;
    if (ready === undefined) return svg(404, label, "no such gate", "unknown", noStore);
    return svg(200, label, ready ? "ready" : "not ready", ready ? "ready" : "not-ready", cache);
  } catch (err) {
    if (err instanceof NotFoundError) return svg(404, label, `no such ${err.kind}`, "unknown", noStore);
    throw err;
  }
}
