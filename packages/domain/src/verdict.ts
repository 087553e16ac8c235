import type { BranchReadiness, Catalog, LaneState, RunSummary } from "./types";

/**
 * "How long until we know?" for a branch: the release lanes still pending on the head, each with
 * its usual duration (less what a running one already spent), along their `needs` chains, since a
 * lane waits for what it needs; and, when the live hosts are given, on their slots: a lane starts
 * when a host serving its class has a free slot, so three KVM lanes on one KVM slot run one after
 * another. Only this branch's lanes are placed: other branches' queued runs can make it later.
 * Pure: usual durations, hosts and the clock come in.
 */
export interface VerdictEstimate {
  /** "ready" and "not-ready" are known now; "pending" has an estimate; "not-started" needs a rerun first */
  kind: "ready" | "not-ready" | "pending" | "not-started";
  /** seconds until the last pending release lane should end; null when unknown */
  seconds: number | null;
  /** lanes whose usual duration is unknown (no history, no expectedSeconds) */
  unknown: string[];
  /** pending lanes no live host can run (their class has no host), so they wait indefinitely */
  noHost: string[];
}

/** A live host's capacity: the classes it serves share its slots. */
export interface HostCapacity {
  classes: readonly string[];
  slots: number;
}

export function estimateVerdict(
  readiness: BranchReadiness,
  catalog: Catalog,
  usualSeconds: Record<string, number | null | undefined>,
  now: Date,
  hosts?: readonly HostCapacity[],
): VerdictEstimate {
  const known = (kind: "ready" | "not-ready"): VerdictEstimate => ({ kind, seconds: 0, unknown: [], noHost: [] });
  if (readiness.releaseReady) return known("ready");
  const release = readiness.gates.filter((g) => g.gate.release);
  const lanes = [...new Set(release.flatMap((g) => g.gate.lanes))];
  /** What the estimate waits for: a failed lane's rerun under way may still turn it green, so it is pending. */
  const progress = (name: string): { state: LaneState; run: RunSummary | null } => {
    const r = readiness.lanes[name];
    if (!r) return { state: "never-run", run: null };
    if (r.state === "failed" && r.rerun)
      return { state: r.rerun.status === "running" ? "running" : "queued", run: r.rerun };
    return { state: r.state, run: r.headRun };
  };
  const state = (l: string) => progress(l).state;
  if (lanes.some((l) => state(l) === "failed")) return known("not-ready");
  if (lanes.some((l) => state(l) === "never-run"))
    return { kind: "not-started", seconds: null, unknown: [], noHost: [] };
  const pending = lanes.filter((l) => state(l) === "queued" || state(l) === "running");

  const byName = new Map(catalog.lanes.map((l) => [l.name, l]));
  // What must still run: the pending lanes and, transitively, whatever they need that has not passed.
  const work = new Set<string>();
  const collect = (name: string) => {
    if (work.has(name) || !readiness.lanes[name] || state(name) === "passed") return;
    work.add(name);
    for (const need of byName.get(name)?.needs ?? []) collect(need);
  };
  pending.forEach(collect);

  const unknown = new Set<string>();
  const remaining = (name: string): number => {
    // A held run whose lane has ended waits only for its operator: no lane time is left.
    const { state: current, run } = progress(name);
    if (current === "running" && run?.laneEndedAt) return 0;
    const usual = usualSeconds[name] ?? byName.get(name)?.expectedSeconds ?? null;
    if (usual === null) unknown.add(name);
    const spent = current === "running" && run?.startedAt ? (now.getTime() - run.startedAt.getTime()) / 1000 : 0;
    return Math.max(0, (usual ?? 0) - spent);
  };
  const slots = (hosts ?? []).flatMap((h) =>
    Array.from({ length: h.slots }, () => ({ classes: h.classes, freeAt: 0 })),
  );
  const noHost = hosts
    ? [...work].filter((name) => !hosts.some((h) => h.slots > 0 && h.classes.includes(byName.get(name)?.host ?? "")))
    : [];
  /** The slot of a host serving `name`'s class that frees first; null when hosts are not counted. */
  const slotFor = (name: string) => {
    const eligible = slots.filter((s) => s.classes.includes(byName.get(name)?.host ?? ""));
    return eligible.length ? eligible.reduce((a, b) => (b.freeAt < a.freeAt ? b : a)) : null;
  };

  const end = new Map<string, number>();
  // Running lanes hold a slot already; the rest are placed as their needs end, earliest ready first.
  for (const name of work) {
    if (state(name) !== "running") continue;
    end.set(name, remaining(name));
    const slot = slotFor(name);
    if (slot) slot.freeAt = Math.max(slot.freeAt, end.get(name)!);
  }
  const order = catalog.lanes.map((l) => l.name).filter((n) => work.has(n) && !end.has(n));
  while (order.length) {
    let best = -1;
    let bestReady = Infinity;
    order.forEach((name, i) => {
      const needs = (byName.get(name)?.needs ?? []).filter((n) => work.has(n));
      if (!needs.every((n) => end.has(n))) return;
      const ready = Math.max(0, ...needs.map((n) => end.get(n)!));
      if (ready < bestReady) [best, bestReady] = [i, ready];
    });
    if (best < 0) break; // a cycle parseCatalog would have refused
    const [name] = order.splice(best, 1) as [string];
    const slot = slotFor(name);
    const start = Math.max(bestReady, slot?.freeAt ?? 0);
    end.set(name, start + remaining(name));
    if (slot) slot.freeAt = end.get(name)!;
  }
  const seconds = Math.max(0, ...pending.map((l) => end.get(l) ?? 0));
  const estimable = unknown.size === 0 && noHost.length === 0;
  return { kind: "pending", seconds: estimable ? Math.round(seconds) : null, unknown: [...unknown], noHost };
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
  for (const p of catalog.profiles)
    for (const c of [...p.requiredComponents, ...p.optionalComponents]) components.add(c);
  for (const l of catalog.lanes) for (const c of l.covers) components.add(c);
  return [...components].sort().map((component) => {
    const coveredBy = catalog.lanes.filter((l) => l.covers.includes(component)).map((l) => l.name);
    const provenBy = coveredBy.filter((l) => readiness.lanes[l]?.state === "passed");
    return { component, provenBy, coveredBy };
  });
}
