import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { catalogSchema, describeIssue, MISSING_FIELD } from "./catalog-schema";
import type { Catalog, Gate, Lane } from "./types";
import { formatPath, lineOfPath, type PathSegment } from "./yaml-location";

/** The file a target repository may carry at its root to bring its own catalog. */
export const CATALOG_FILE = "proofboard.yaml";

/**
 * A catalog that cannot be used, located the way an editor needs it: `.message` reads
 * `catalogs/x.yaml:12: lanes[3].command: expected an array of strings (argv)`; `detail` is the part after the path.
 */
export class CatalogError extends Error {
  override readonly name = "CatalogError";
  readonly file: string;
  /** e.g. `lanes[3].command`; empty when the problem is the whole document */
  readonly path: string;
  /** 1-based */
  readonly line: number;
  readonly detail: string;

  constructor(file: string, path: string, line: number, detail: string) {
    super(`${file}:${line}: ${path === "" ? "" : `${path}: `}${detail}`);
    this.file = file;
    this.path = path;
    this.line = line;
    this.detail = detail;
  }
}

export interface Problem {
  path: PathSegment[];
  message: string;
}

/** A YAML file read for validation: its plain value, and where any path in it sits. */
export interface LocatedYaml {
  value: unknown;
  /** 1-based line of `path`, or of its nearest existing ancestor */
  lineOf: (path: readonly PathSegment[]) => number;
  /** the CatalogError for a problem, at its line */
  locate(problem: Problem): CatalogError;
}

/** Parses YAML text; syntax errors and alias bombs become CatalogErrors at their line. */
export function readYaml(text: string, file: string): LocatedYaml {
  // a fresh counter per parse: LineCounter accumulates line starts across documents
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0].line ?? lineCounter.linePos(syntax.pos[0]).line;
    // yaml appends " at line N, column M:" plus a source excerpt; the prefix already carries the line
    const detail = syntax.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? syntax.code;
    throw new CatalogError(file, "", line, `YAML syntax error: ${detail}`);
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // toJS refuses alias bombs ("Excessive alias count") and the like; still the file's fault, not ours
    throw new CatalogError(file, "", 1, `YAML error: ${error instanceof Error ? error.message : String(error)}`);
  }
  const lineOf = (path: readonly PathSegment[]) => lineOfPath(doc, lineCounter, path);
  return { value, lineOf, locate: (p) => new CatalogError(file, formatPath(p.path), lineOf(p.path), p.message) };
}

/** zod reports in schema order; a person fixes a file top to bottom. */
export function firstInFile(problems: Problem[], yaml: LocatedYaml): Problem | undefined {
  return problems
    .map((p, index) => ({ p, index, line: yaml.lineOf(p.path) }))
    .sort((a, b) => a.line - b.line || a.index - b.index)[0]?.p;
}

/** The real catalogs are tens of KB; a bigger file is a mistake, and parsing it costs seconds of event loop. */
export const MAX_CATALOG_BYTES = 1024 * 1024;
/** More lanes than any release needs; checked before the schema, which is the slow part. */
export const MAX_LANES = 500;

export function parseCatalog(text: string, file: string): Catalog {
  // a UTF-8 character is at most 3 bytes per UTF-16 unit: short texts skip the encoding (the domain runs in browsers too)
  const bytes = text.length * 3 > MAX_CATALOG_BYTES ? new TextEncoder().encode(text).length : 0;
  if (bytes > MAX_CATALOG_BYTES) {
    throw new CatalogError(
      file,
      "",
      1,
      `the catalog is ${bytes.toLocaleString("en-US")} bytes; the limit is 1 MiB (${MAX_CATALOG_BYTES} bytes): shrink the file`,
    );
  }
  const yaml = readYaml(text, file);
  const lanes = (yaml.value as { lanes?: unknown } | null)?.lanes;
  if (Array.isArray(lanes) && lanes.length > MAX_LANES) {
    throw yaml.locate({ path: ["lanes"], message: `${lanes.length} lanes; the limit is ${MAX_LANES}` });
  }
  const parsed = catalogSchema.safeParse(yaml.value, { error: describeIssue });
  if (!parsed.success) {
    throw yaml.locate(firstInFile(problemsOf(parsed.error.issues), yaml) ?? { path: [], message: "invalid catalog" });
  }
  const catalog: Catalog = parsed.data;
  const problem = findReferenceProblem(catalog);
  if (problem) throw yaml.locate(problem);
  return withProfileOperations(catalog);
}

/** A lane carries its profile's operations too; its own win by name. */
export function withProfileOperations(catalog: Catalog): Catalog {
  const byProfile = new Map(catalog.profiles.map((p) => [p.id, p.operations]));
  return {
    ...catalog,
    lanes: catalog.lanes.map((lane) => {
      const inherited = (lane.profile ? byProfile.get(lane.profile) : undefined) ?? [];
      const own = new Set(lane.operations.map((o) => o.name));
      const operations = [...lane.operations, ...inherited.filter((o) => !own.has(o.name))];
      return operations.length === lane.operations.length ? lane : { ...lane, operations };
    }),
  };
}

const squash = (key: PathSegment) => String(key).replace(/[-_]/g, "").toLowerCase();

/**
 * A misspelt key (`timeout_seconds`) shows up twice: as an unknown field and as a missing one. The
 * unknown one is what the person typed, so it is reported (with the likely intended key) in place of both.
 */
export function problemsOf(issues: z.core.$ZodIssue[]): Problem[] {
  const all = issues.map((iss) => ({
    path: iss.path.filter((seg): seg is PathSegment => typeof seg !== "symbol"),
    message: iss.message,
    strayKeys: iss.code === "unrecognized_keys" ? iss.keys : [],
  }));
  const isMissingIn = (parent: PathSegment[]) => (q: (typeof all)[number]) =>
    q.message === MISSING_FIELD &&
    q.path.length === parent.length + 1 &&
    formatPath(q.path.slice(0, -1)) === formatPath(parent);

  const meantBy = new Map<(typeof all)[number], PathSegment>();
  for (const p of all) {
    for (const key of p.strayKeys) {
      const meant = all.filter(isMissingIn(p.path)).find((q) => squash(q.path.at(-1) ?? "") === squash(key));
      if (meant) meantBy.set(meant, key);
    }
  }
  return all
    .filter((p) => !meantBy.has(p))
    .flatMap((p): Problem[] => {
      if (p.strayKeys.length === 0) return [{ path: p.path, message: p.message }];
      // point at the offending key itself, not at the mapping that holds it
      return p.strayKeys.map((key) => {
        const meant = [...meantBy].find(
          ([q, typed]) => typed === key && formatPath(q.path.slice(0, -1)) === formatPath(p.path),
        );
        const hint = meant ? ` (did you mean ${JSON.stringify(meant[0].path.at(-1))}?)` : "";
        return { path: [...p.path, key], message: `unknown field ${JSON.stringify(key)}${hint}` };
      });
    });
}

/** Names must be unique and every reference must resolve; checked in the order the sections usually appear. */
export function findReferenceProblem(catalog: Catalog): Problem | null {
  return (
    duplicateIn(
      catalog.profiles.map((p) => p.id),
      (i) => ["profiles", i, "id"],
      "profile id",
    ) ??
    duplicateIn(
      catalog.lanes.map((l) => l.name),
      (i) => ["lanes", i, "name"],
      "lane name",
    ) ??
    laneProblem(catalog) ??
    findCycle(catalog.lanes) ??
    duplicateIn(
      catalog.gates.map((g) => g.id),
      (i) => ["gates", i, "id"],
      "gate id",
    ) ??
    gateProblem(catalog)
  );
}

function duplicateIn(values: string[], pathOf: (index: number) => PathSegment[], what: string): Problem | null {
  const firstIndex = new Map<string, number>();
  for (const [i, value] of values.entries()) {
    const earlier = firstIndex.get(value);
    if (earlier !== undefined) {
      return {
        path: pathOf(i),
        message: `duplicate ${what} ${JSON.stringify(value)} (first at ${formatPath(pathOf(earlier))})`,
      };
    }
    firstIndex.set(value, i);
  }
  return null;
}

function laneProblem(catalog: Catalog): Problem | null {
  const lanes = new Set(catalog.lanes.map((l) => l.name));
  const profiles = new Set(catalog.profiles.map((p) => p.id));
  for (const [i, lane] of catalog.lanes.entries()) {
    if (lane.profile !== null && !profiles.has(lane.profile)) {
      return { path: ["lanes", i, "profile"], message: `unknown profile ${JSON.stringify(lane.profile)}` };
    }
    const consoles = duplicateIn(lane.consoles, (j) => ["lanes", i, "consoles", j], "console");
    if (consoles) return consoles;
    const ops = duplicateIn(
      lane.operations.map((o) => o.name),
      (j) => ["lanes", i, "operations", j, "name"],
      "operation",
    );
    if (ops) return ops;
    const needs = duplicateIn(lane.needs, (j) => ["lanes", i, "needs", j], "need");
    if (needs) return needs;
    for (const [j, need] of lane.needs.entries()) {
      if (!lanes.has(need)) return { path: ["lanes", i, "needs", j], message: `unknown lane ${JSON.stringify(need)}` };
    }
  }
  return null;
}

function gateProblem(catalog: Catalog): Problem | null {
  const lanes = new Set(catalog.lanes.map((l) => l.name));
  for (const [i, gate] of catalog.gates.entries()) {
    const dup = duplicateIn(gate.lanes, (j) => ["gates", i, "lanes", j], "lane");
    if (dup) return dup;
    for (const [j, lane] of gate.lanes.entries()) {
      if (!lanes.has(lane)) return { path: ["gates", i, "lanes", j], message: `unknown lane ${JSON.stringify(lane)}` };
    }
  }
  return null;
}

/** Depth-first search; the edge that closes a cycle is reported, with the whole cycle spelled out. */
function findCycle(lanes: Lane[]): Problem | null {
  const index = new Map(lanes.map((l, i) => [l.name, i]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];

  const visit = (name: string): Problem | null => {
    state.set(name, "visiting");
    stack.push(name);
    const i = index.get(name) ?? -1;
    for (const [j, need] of (lanes[i]?.needs ?? []).entries()) {
      if (state.get(need) === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(need)), need].join(" -> ");
        return { path: ["lanes", i, "needs", j], message: `dependency cycle in needs: ${cycle}` };
      }
      if (state.get(need) === undefined) {
        const found = visit(need);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(name, "done");
    return null;
  };

  for (const lane of lanes) {
    if (state.get(lane.name) === undefined) {
      const found = visit(lane.name);
      if (found) return found;
    }
  }
  return null;
}

export function laneByName(catalog: Catalog, name: string): Lane | undefined {
  return catalog.lanes.find((l) => l.name === name);
}

export function releaseGates(catalog: Catalog): Gate[] {
  return catalog.gates.filter((g) => g.release);
}
