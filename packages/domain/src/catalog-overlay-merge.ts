import { CatalogError, findReferenceProblem, withProfileOperations, type Problem } from "./catalog";
import { closestName, type CatalogOverlay, type LaneOverride } from "./catalog-overlay";
import type { Catalog, Lane, LaneOperation } from "./types";
import { formatPath, type PathSegment } from "./yaml-location";

/** An override naming a lane the catalog lacks, and too incomplete to be added as one. */
export interface UnusedOverride {
  name: string;
  line: number;
  /** a lane of the catalog with a similar name */
  meant: string | null;
  /** required fields the entry would also need to be added as a lane */
  missing: string[];
}

export interface OverlaidCatalog {
  catalog: Catalog;
  unused: UnusedOverride[];
  /** what the overlay did, one line per lane: `fresh-smoke: serialLogs, host` or `site-soak: added` */
  changes: string[];
}

/**
 * The catalog with the overlay applied. A lane of the catalog named by an override takes the fields
 * the override gives (lists replace; `env` merges key by key and `operations` by name); an override
 * of a lane the catalog lacks adds it when it is a complete lane, else it is unused here (old
 * commits may lack new lanes, so that is a note, not an error). The result must pass every rule a
 * catalog must pass; a breach throws a CatalogError located in the overlay, naming `source`.
 */
export function applyOverlay(catalog: Catalog, overlay: CatalogOverlay, source: string): OverlaidCatalog {
  const byName = new Map(overlay.overrides.map((o) => [o.name, o]));
  const applied = new Map<string, LaneOverride>();
  const changes: string[] = [];
  const lanes = catalog.lanes.map((lane) => {
    const o = byName.get(lane.name);
    if (!o) return lane;
    applied.set(lane.name, o);
    changes.push(`${lane.name}: ${o.given.join(", ")}`);
    return overrideLane(lane, o);
  });
  const unused: UnusedOverride[] = [];
  for (const o of overlay.overrides) {
    if (applied.has(o.name)) continue;
    if (o.lane) {
      lanes.push(o.lane);
      applied.set(o.name, o);
      changes.push(`${o.name}: added`);
    } else {
      const meant = closestName(
        o.name,
        catalog.lanes.map((l) => l.name),
      );
      unused.push({ name: o.name, line: o.line, meant, missing: o.missing });
    }
  }
  if (applied.size === 0) return { catalog, unused, changes };
  const merged: Catalog = { ...catalog, lanes };
  const problem = findReferenceProblem(merged);
  if (problem) {
    const path = overlayPathOf(problem, merged, overlay, applied);
    throw new CatalogError(
      overlay.file,
      formatPath(path),
      overlay.lineOf(path),
      `${problem.message} (merging onto ${source})`,
    );
  }
  return { catalog: withProfileOperations(merged), unused, changes };
}

/** `site overlay FILE:LINE: no lane "x" in SOURCE; this override is unused`, for people reading the Lanes page. */
export function overlayNotes(file: string, unused: readonly UnusedOverride[], source: string): string[] {
  return unused.map((u) => {
    const hint = u.meant
      ? ` (did you mean "${u.meant}"?)`
      : u.missing.length > 0
        ? ` (to add it as a lane, it also needs ${u.missing.join(", ")})`
        : "";
    return `site overlay ${file}:${u.line}: no lane "${u.name}" in ${source}; this override is unused${hint}`;
  });
}

function overrideLane(lane: Lane, o: LaneOverride): Lane {
  const merged: Lane = { ...lane, ...o.fields };
  if (o.fields.env) merged.env = { ...lane.env, ...o.fields.env };
  if (o.fields.operations) merged.operations = mergeOperations(lane.operations, o.fields.operations);
  // as in a catalog, every VM the worker boots is a console of the lane
  const nodes = merged.vms?.nodes ?? [];
  if (nodes.some((n) => !merged.consoles.includes(n)))
    merged.consoles = [...merged.consoles, ...nodes.filter((n) => !merged.consoles.includes(n))];
  return merged;
}

/** The site's operation replaces the lane's of the same name in place; new ones come after. */
function mergeOperations(own: LaneOperation[], site: LaneOperation[]): LaneOperation[] {
  const bySite = new Map(site.map((op) => [op.name, op]));
  const kept = own.map((op) => bySite.get(op.name) ?? op);
  return [...kept, ...site.filter((op) => !own.some((o) => o.name === op.name))];
}

/**
 * Where in the overlay a problem of the merged catalog comes from. The catalog alone passed these
 * checks, so the override of the lane at fault is what broke it; when the lane at fault was not
 * overridden (a cycle closed through another lane), the first override giving the same field is.
 */
function overlayPathOf(
  problem: Problem,
  merged: Catalog,
  overlay: CatalogOverlay,
  applied: Map<string, LaneOverride>,
): PathSegment[] {
  const [, laneIndex, field, item, ...rest] = problem.path;
  const lane = typeof laneIndex === "number" ? merged.lanes[laneIndex] : undefined;
  const key = typeof field === "string" ? (field as keyof Lane) : undefined;
  const own = lane && applied.get(lane.name);
  // an added lane is the entry itself: all of it comes from the overlay
  const fromOverlay = own && key && (own.lane === lane || own.given.includes(key));
  if (own && key && fromOverlay) {
    if (key === "operations" && typeof item === "number") {
      // the same occurrence of that name in the overlay's list (a duplicate is the second one)
      const name = lane.operations[item]?.name;
      const occurrence = lane.operations.slice(0, item).filter((op) => op.name === name).length;
      const at = (own.fields.operations ?? []).flatMap((op, k) => (op.name === name ? [k] : []))[occurrence] ?? -1;
      return at >= 0 ? ["lanes", own.index, key, at, ...rest] : ["lanes", own.index, key];
    }
    return ["lanes", own.index, ...problem.path.slice(2)];
  }
  const blamed = [...applied.values()].find((o) => key && o.given.includes(key)) ?? [...applied.values()][0];
  const index = blamed?.index ?? 0;
  return key && blamed?.given.includes(key) ? ["lanes", index, key] : ["lanes", index];
}
