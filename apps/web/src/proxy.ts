import { NextResponse, type NextRequest } from "next/server";
import { parseStatusFilter, RUN_STATUS_FILTERS } from "@proofboard/domain/run-filter";

/**
 * Malformed names in a page address answer HTTP 400 here, before any page renders. A NUL in
 * `/branches/main%00x` used to reach PostgreSQL through the client's query, fail as an internal
 * error and be retried forever behind "Loading the branch…". The API refuses such names too
 * (packages/api/src/names.ts); this keeps the page from ever asking. A malformed escape (`%zz`)
 * is refused here too: Next's router would fail on it with a bare 500. The runs page's status
 * filter is checked here as the API checks it, so `/runs?status=bogus` is a 400 naming the words
 * it takes, not a page that says so with 200. Only pure workspace modules are imported: the proxy
 * is bundled on its own.
 */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
/** Longer than any branch (255), lane (200) or run id (64) the API accepts, with room for escapes. */
const MAX_PATH = 1024;

function decoded(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function refusal(request: NextRequest): string | null {
  const { pathname, searchParams } = request.nextUrl;
  if (pathname.length > MAX_PATH) return "The address is longer than any name Proofboard keeps.";
  const path = decoded(pathname);
  if (path === null)
    return "The address holds a malformed escape: a % must be followed by two hex digits that spell UTF-8 (write % itself as %25).";
  if ([path, ...searchParams.values()].some((p) => CONTROL_CHARACTER.test(p) || p.length > MAX_PATH))
    return "The address holds a control character (such as NUL), which no branch, run or lane name can contain.";
  const status = searchParams.get("status");
  if (pathname === "/runs" && status && !parseStatusFilter(status))
    return `The status filter takes ${RUN_STATUS_FILTERS.join(", ")}, or several of them comma-separated; "${status}" is none of them.`;
  return null;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function proxy(request: NextRequest) {
  const reason = refusal(request);
  if (!reason) return NextResponse.next();
  // Downloads and badges are read by programs: a plain line, not a page.
  if (/^\/(api|badges)\//.test(request.nextUrl.pathname))
    return new NextResponse(`${reason}\n`, {
      status: 400,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    });
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Bad request · Proofboard</title><link rel="icon" href="/icon.svg" type="image/svg+xml"></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#18181b">
<h1 style="font-size:1.125rem">Bad request</h1><p>${escapeHtml(reason)}</p><p><a href="/" style="color:#2563eb">← Back to the overview</a></p></body></html>`;
  return new NextResponse(page, {
    status: 400,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}

export const config = {
  matcher: [
    "/",
    "/branches/:path*",
    "/history/:path*",
    "/runs/:path*",
    "/lanes/:path*",
    "/badges/:path*",
    "/api/runs/:path*",
  ],
};
