const BASE = "http://proofboard.invalid";

/**
 * Where to go after logging in: only a path on this site. "//evil", "/\evil" and tab or newline
 * tricks all parse to another origin (browsers treat "\" like "/" and drop tabs), so the URL
 * parser gets the last word rather than a prefix check alone.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE) return "/";
  // Returning to the login page would only show the form again.
  if (url.pathname === "/login") return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
