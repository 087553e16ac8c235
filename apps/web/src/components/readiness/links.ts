import { RUNS_FILTER_KEYS, type RunsFilter } from "./runs-filter";

// One definition for the web, notifications and the CLI; the subpath keeps the YAML parser out of the bundle.
export { branchHref, branchNameFromSegments } from "@proofboard/domain/links";

export function runHref(id: string): string {
  return `/runs/${encodeURIComponent(id)}`;
}

/** The runs page with these filters (runs-filter.ts), in a fixed order so equal views have equal URLs. */
export function runsHref(filter: RunsFilter): string {
  const query = new URLSearchParams();
  for (const key of [...RUNS_FILTER_KEYS, "before"] as const) {
    const v = filter[key];
    if (v) query.set(key, v);
  }
  const s = query.toString();
  return s ? `/runs?${s}` : "/runs";
}

/** Anchor id of a lane's row on the branch page; lane names are catalog-validated slugs. */
export function laneAnchor(lane: string): string {
  return `lane-${lane}`;
}
