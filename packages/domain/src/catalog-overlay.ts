import { z } from "zod";
import { CatalogError, firstInFile, problemsOf, readYaml, type LocatedYaml, type Problem } from "./catalog";
import { describeIssue, laneSchema, MISSING_FIELD } from "./catalog-schema";
import type { Lane } from "./types";
import { formatPath, type PathSegment } from "./yaml-location";

/**
 * A site catalog overlay: facts of one site (where the test-cluster keeps its serial logs, which
 * host class its machines are, longer timeouts, environment, operations) added to whatever catalog
 * a target's commit carries, without editing the target. This file parses it; catalog-overlay-merge.ts
 * applies it to a catalog.
 */

/** An overlay is a site's few facts; anything this big is a mistake (or an attack), not configuration. */
export const MAX_OVERLAY_BYTES = 1 << 20;

export interface LaneOverride {
  name: string;
  /** position in the overlay's `lanes` list, for locating problems found when it is merged */
  index: number;
  /** line of its `name` */
  line: number;
  /** the fields the entry gives, in file order (never `name`) */
  given: (keyof Lane)[];
  /** the given fields' values, validated like a catalog lane's */
  fields: Partial<Lane>;
  /** the whole lane, when the entry gives everything a lane needs: added to a catalog that lacks it */
  lane: Lane | null;
  /** required lane fields the entry lacks, when it describes a new lane (gives a description or command) */
  missing: string[];
}

export interface CatalogOverlay {
  file: string;
  overrides: LaneOverride[];
  /** line of a path in the overlay file */
  lineOf: (path: readonly PathSegment[]) => number;
}

/**
 * serialLogs in an overlay may name a site path (absolute) as well as one under the lane's working
 * folder; `..` never, and an absolute glob must start with a literal folder so the worker's walk
 * starts there rather than at "/".
 */
const siteGlob = z
  .string()
  .min(1)
  .refine((g) => !/[\x00-\x1f\x7f]/.test(g), { error: "a serialLogs glob cannot hold control characters" })
  .refine((g) => !g.split("/").includes(".."), {
    error: "a serialLogs glob cannot hold '..'; name the folder itself (a site overlay may use an absolute path)",
  })
  .refine((g) => !g.startsWith("/") || /^\/[^/*?]+(\/|$)/.test(g), {
    error: "an absolute serialLogs glob must start with a literal folder (e.g. /var/lib/...), not a wildcard",
  });

const laneFields = laneSchema.in.extend({ serialLogs: siteGlob.nullable().default(null) });

/** What a lane cannot do without (e.g. description, command, group, host, timeoutSeconds). */
const REQUIRED_FIELDS = Object.entries(laneFields.shape)
  .filter(([, schema]) => !schema.safeParse(undefined).success)
  .map(([key]) => key);

/** A complete lane: the catalog's own lane rules, with the site's kind of serialLogs. */
const fullLane = laneFields.pipe(laneSchema.out);

/** An override: any lane field, `name` required; absent fields stay absent (see `given`). */
const overrideEntry = laneFields.partial().extend({ name: laneFields.shape.name });

const overlaySchema = z.strictObject({
  version: z.literal(1),
  lanes: z.array(overrideEntry).default(() => []),
});

export function parseCatalogOverlay(text: string, file: string): CatalogOverlay {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_OVERLAY_BYTES) throw overlayTooBig(file, bytes);
  const yaml = readYaml(text, file);
  const parsed = overlaySchema.safeParse(yaml.value, { error: describeIssue });
  if (!parsed.success) {
    const problems = withSpellingHints(problemsOf(parsed.error.issues));
    throw yaml.locate(firstInFile(problems, yaml) ?? { path: [], message: "invalid overlay" });
  }
  const raw = (yaml.value as { lanes?: Record<string, unknown>[] }).lanes ?? [];
  const overrides = parsed.data.lanes.map((entry, index) => toOverride(entry, raw[index] ?? {}, index, yaml));
  const seen = new Map<string, number>();
  for (const o of overrides) {
    const first = seen.get(o.name);
    if (first !== undefined) {
      throw yaml.locate({
        path: ["lanes", o.index, "name"],
        message: `lane "${o.name}" is already overridden at lanes[${first}]; give it one entry`,
      });
    }
    seen.set(o.name, o.index);
    if (o.given.length === 0) {
      throw yaml.locate({
        path: ["lanes", o.index, "name"],
        message: `the entry for "${o.name}" gives nothing to override; add fields or remove it`,
      });
    }
  }
  return { file, overrides, lineOf: yaml.lineOf };
}

export function overlayTooBig(file: string, bytes: number): CatalogError {
  return new CatalogError(
    file,
    "",
    1,
    `the overlay is ${bytes} bytes; the limit is 1 MiB (${MAX_OVERLAY_BYTES} bytes): keep only site facts in it`,
  );
}

type Entry = z.output<typeof overrideEntry>;

function toOverride(entry: Entry, raw: Record<string, unknown>, index: number, yaml: LocatedYaml): LaneOverride {
  // zod fills in defaults for absent fields; an override changes only what the file actually says
  const given = Object.keys(raw).filter((k): k is keyof Lane => k !== "name" && k in entry);
  const fields = Object.fromEntries(given.map((k) => [k, entry[k]])) as Partial<Lane>;
  const full = fullLane.safeParse(raw, { error: describeIssue });
  // only an entry meant as a new lane (it describes one) is told what else a lane needs
  const meantAsLane = "description" in raw || "command" in raw;
  const missing = full.success || !meantAsLane ? [] : REQUIRED_FIELDS.filter((k) => !(k in raw));
  return {
    name: entry.name,
    index,
    line: yaml.lineOf(["lanes", index, "name"]),
    given,
    fields,
    lane: full.success ? full.data : null,
    missing,
  };
}

/**
 * problemsOf pairs a stray key with a missing field only when they differ by case, '-' or '_'.
 * Here the key most likely meant is looked up among the fields of the mapping the stray key sits
 * in (typos too: `comand`), and the missing field it stands for is not reported a second time.
 */
function withSpellingHints(problems: Problem[]): Problem[] {
  const meantPaths = new Set<string>();
  const hinted = problems.map((p) => {
    const typed = /^unknown field "(.*)"$/.exec(p.message)?.[1];
    if (typed === undefined) return p;
    const meant = closestName(typed, keysAt(overlaySchema, p.path.slice(0, -1)));
    if (!meant) return p;
    meantPaths.add(formatPath([...p.path.slice(0, -1), meant]));
    return { ...p, message: `${p.message} (did you mean ${JSON.stringify(meant)}?)` };
  });
  return hinted.filter((p) => !(p.message === MISSING_FIELD && meantPaths.has(formatPath(p.path))));
}

type AnySchema = z.core.$ZodType;

function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    const def = s._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    if (def.innerType)
      s = def.innerType; // default, optional, nullable
    else if (def.type === "pipe" && def.in) s = def.in;
    else return s;
  }
}

/** The field names of the mapping at `path` in the schema (list indices step into the element). */
function keysAt(schema: AnySchema, path: readonly PathSegment[]): string[] {
  let s = unwrap(schema);
  for (const seg of path) {
    const def = s._zod.def as { type: string; shape?: Record<string, AnySchema>; element?: AnySchema };
    const next = def.type === "object" ? def.shape?.[String(seg)] : def.type === "array" ? def.element : undefined;
    if (!next) return [];
    s = unwrap(next);
  }
  const def = s._zod.def as { type: string; shape?: Record<string, AnySchema> };
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

const squash = (s: string) => s.replace(/[-_]/g, "").toLowerCase();

/**
 * The candidate a typo most likely meant: the same letters ignoring case, '-' and '_', or one edit
 * away (two for names of 8 letters or more; short names two edits apart are different words: gates, lanes).
 */
export function closestName(typed: string, candidates: readonly string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const name of candidates) {
    if (name === typed) continue;
    const distance = squash(name) === squash(typed) ? 0 : editDistance(squash(name), squash(typed));
    if (distance <= (typed.length >= 8 ? 2 : 1) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

/** Edits between two names, a swap of two neighbours counting as one (`smoek`). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
