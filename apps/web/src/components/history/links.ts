/**
 * Branch names come from outside: each path segment is encoded on its own, so the slashes stay
 * readable and nothing else (`%`, `?`, `#`, `..`) can change the route.
 */
export function historyHref(branch: string): string {
  return `/history/${branch.split("/").map(encodeURIComponent).join("/")}`;
}

/** Lane names are catalog slugs today, but a URL is no place to trust that. */
export function laneHref(lane: string, branch?: string): string {
  const base = `/lanes/${encodeURIComponent(lane)}`;
  return branch ? `${base}?${new URLSearchParams({ branch }).toString()}` : base;
}

/** A malformed escape in a typed URL is kept as typed rather than breaking the page. */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
