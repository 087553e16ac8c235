/**
 * Paths of the web's pages, shared by the web, notifications and the CLI so a link to a branch is
 * built one way everywhere. Browser-safe: no imports.
 */

/**
 * Branch names come from outside and may hold `/`, `%`, `?`, `#` or shell-looking text: each path
 * segment is encoded on its own so the slashes stay readable and nothing else can change the route.
 */
export function branchHref(name: string): string {
  return `/branches/${name.split("/").map(encodeURIComponent).join("/")}`;
}

/** Inverse of branchHref for a catch-all route's segments; a malformed escape is kept as typed. */
export function branchNameFromSegments(segments: readonly string[]): string {
  return segments.map(safeDecode).join("/");
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
