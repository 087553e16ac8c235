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

export function runHref(id: string): string {
  return `/runs/${encodeURIComponent(id)}`;
}

export function runsHref(filter: { branch?: string; lane?: string }): string {
  const query = new URLSearchParams();
  if (filter.branch) query.set("branch", filter.branch);
  if (filter.lane) query.set("lane", filter.lane);
  const s = query.toString();
  return s ? `/runs?${s}` : "/runs";
}

/** Anchor id of a lane's row on the branch page; lane names are catalog-validated slugs. */
export function laneAnchor(lane: string): string {
  return `lane-${lane}`;
}
