import type { BranchReadiness, Catalog } from "./types";

/**
 * "How long until we know?" for a branch: the release lanes still pending on the head, each with
 * its usual duration (less what a running one already spent), along their `needs` chains, since a
 * lane waits for what it needs. Pure: usual durations and the clock come in.
 */
export interface VerdictEstimate {
  /** "ready" and "not-ready" are known now; "pending" has an estimate; "not-started" needs a rerun first */
  kind: "ready" | "not-ready" | "pending" | "not-started";
  /** seconds until the last pending release lane should end; null when unknown */
  seconds: number | null;
  /** lanes whose usual duration is unknown (no history, no expectedSeconds) */
  unknown: string[];
}

export function estimateVerdict(
  readiness: BranchReadiness,
  catalog: Catalog,
  usualSeconds: Record<string, number | null | undefined>,
  now: Date,
): VerdictEstimate {
  if (readiness.releaseReady) return { kind: "ready", seconds: 0, unknown: [] };
  const release = readiness.gates.filter((g) => g.gate.release);
  const lanes = [...new Set(release.flatMap((g) => g.gate.lanes))];
  const state = (l: string) => readiness.lanes[l]?.state ?? "never-run";
  if (lanes.some((l) => state(l) === "failed")) return { kind: "not-ready", seconds: 0, unknown: [] };
  const pending = lanes.filter((l) => state(l) === "queued" || state(l) === "running");
  if (lanes.some((l) => state(l) === "never-run")) return { kind: "not-started", seconds: null, unknown: [] };

  const byName = new Map(catalog.lanes.map((l) => [l.name, l]));
  const unknown = new Set<string>();
  const memo = new Map<string, number>();
  const finish = (name: string, seen: Set<string>): number => {
    const cached = memo.get(name);
    if (cached !== undefined) return cached;
    const r = readiness.lanes[name];
    if (!r || r.state === "passed" || seen.has(name)) return 0;
    const usual = usualSeconds[name] ?? byName.get(name)?.expectedSeconds ?? null;
    if (usual === null) unknown.add(name);
    const started = r.state === "running" && r.headRun?.startedAt ? (now.getTime() - r.headRun.startedAt.getTime()) / 1000 : 0;
    const own = Math.max(0, (usual ?? 0) - started);
    const before = Math.max(0, ...(byName.get(name)?.needs ?? []).map((n) => finish(n, new Set([...seen, name]))));
    const total = before + own;
    memo.set(name, total);
    return total;
  };
  const seconds = Math.max(0, ...pending.map((l) => finish(l, new Set())));
  return { kind: "pending", seconds: unknown.size ? null : Math.round(seconds), unknown: [...unknown] };
}

export interface ComponentCoverage {
  component: string;
  /** lanes passed on the head commit that cover it */
  provenBy: string[];
  /** every lane of the catalog that covers it */
  coveredBy: string[];
}

/** Which platform components lanes green on the head commit prove, from the catalog's `covers`. */
export function componentCoverage(readiness: BranchReadiness, catalog: Catalog): ComponentCoverage[] {
  const components = new Set<string>();
  for (const p of catalog.profiles) for (const c of [...p.requiredComponents, ...p.optionalComponents]) components.add(c);
  for (const l of catalog.lanes) for (const c of l.covers) components.add(c);
  return [...components].sort().map((component) => {
    const coveredBy = catalog.lanes.filter((l) => l.covers.includes(component)).map((l) => l.name);
    const provenBy = coveredBy.filter((l) => readiness.lanes[l]?.state === "passed");
    return { component, provenBy, coveredBy };
  });
}
