import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  applyOverlay,
  CATALOG_FILE,
  CatalogError,
  overlayNotes,
  parseCatalog,
  type Catalog,
  type OverlaidCatalog,
} from "@proofboard/domain";
import type { Repository } from "@proofboard/db";
import { env } from "@proofboard/env";
import { readingCommits } from "./mirror-commits";
import { siteOverlay } from "./site-overlay";

export interface ResolvedCatalog {
  /** merged with the site overlay, when there is one */
  catalog: Catalog;
  /** "proofboard.yaml@<sha>" or the default catalog's path */
  source: string;
  /** what the site overlay could not apply here (an override of a lane this catalog lacks), one line each */
  notes: string[];
  /** the site overlay merged in and what it changed (`fresh-smoke: serialLogs, host`); null without one */
  overlay: { file: string; changes: string[] } | null;
}

/**
 * Commits never change, so a commit's catalog is cached for the life of the process. So is its
 * CatalogError: an invalid file would otherwise be parsed again on every page view (seconds for a huge one).
 */
const atCommit = new Map<string, ResolvedCatalog | CatalogError>();
/** Most commits carry the same catalog file as their parent: one parse and merge (and one object) per text, keyed by its sha256. */
const byText = new Map<string, OverlaidCatalog | CatalogError>();
/** How many times a catalog text was parsed: tests check that the caches hold. */
export const catalogParses = { count: 0 };
const CACHE_LIMIT = 5000;
let fallback: ResolvedCatalog | undefined;

/** A parsed catalog with the site overlay merged in; a merge that breaks a catalog rule throws CatalogError. */
async function overlaid(catalog: Catalog, source: string): Promise<OverlaidCatalog> {
  const overlay = await siteOverlay();
  return overlay ? applyOverlay(catalog, overlay, source) : { catalog, unused: [], changes: [] };
}

async function resolvedFrom(merged: OverlaidCatalog, source: string): Promise<ResolvedCatalog> {
  const overlay = await siteOverlay();
  return {
    catalog: merged.catalog,
    source,
    notes: overlay ? overlayNotes(overlay.file, merged.unused, source) : [],
    overlay: overlay ? { file: overlay.file, changes: merged.changes } : null,
  };
}

export async function defaultCatalog(): Promise<ResolvedCatalog> {
  if (!fallback) {
    const file = env().PROOFBOARD_DEFAULT_CATALOG;
    fallback = await resolvedFrom(await overlaid(parseCatalog(await readFile(file, "utf8"), file), file), file);
  }
  return fallback;
}

type RepoRef = Pick<Repository, "id" | "name" | "url">;

/** The catalog of a commit whose file read `bytes` (null: no file, so the default); a bad one throws CatalogError. */
async function resolve(repo: RepoRef, sha: string, bytes: Buffer | null): Promise<ResolvedCatalog> {
  const source = `${CATALOG_FILE}@${sha.slice(0, 10)}`;
  let resolved: ResolvedCatalog;
  if (bytes) {
    const key = createHash("sha256").update(bytes).digest("hex");
    let merged = byText.get(key);
    if (!merged) {
      catalogParses.count++;
      try {
        merged = await overlaid(parseCatalog(bytes.toString("utf8"), source), source);
      } catch (err) {
        if (!(err instanceof CatalogError)) throw err;
        merged = err;
      }
      if (byText.size >= CACHE_LIMIT) byText.clear();
      byText.set(key, merged);
    }
    if (merged instanceof CatalogError) {
      // a catalog's own error names the commit parsed first; name this one (an overlay merge error names the overlay)
      const own = merged.file.startsWith(`${CATALOG_FILE}@`) && merged.file !== source;
      const error = own ? new CatalogError(source, merged.path, merged.line, merged.detail) : merged;
      remember(repo, sha, error);
      throw error;
    }
    // notes name the commit, so they are made per commit, from the merge shared by the text
    resolved = await resolvedFrom(merged, source);
  } else {
    resolved = await defaultCatalog();
  }
  remember(repo, sha, resolved);
  return resolved;
}

function remember(repo: RepoRef, sha: string, value: ResolvedCatalog | CatalogError): void {
  if (atCommit.size >= CACHE_LIMIT) atCommit.clear();
  atCommit.set(`${repo.id}:${sha}`, value);
}

/** The catalog used for a run is the one at that run's commit, else the default; a bad one throws CatalogError. */
export async function catalogAt(repo: RepoRef, sha: string): Promise<ResolvedCatalog> {
  const cached = atCommit.get(`${repo.id}:${sha}`);
  if (cached instanceof CatalogError) throw cached;
  if (cached) return cached;
  return resolve(repo, sha, await readingCommits(repo, [sha], (mirror) => mirror.readFile(sha, CATALOG_FILE)));
}

/**
 * The catalogs of many commits, each as catalogAt gives it or the CatalogError it throws. Commits
 * not cached yet are read from git together (one process per few hundred), not one process each.
 */
export async function catalogsAt(
  repo: RepoRef,
  shas: readonly string[],
): Promise<Map<string, ResolvedCatalog | CatalogError>> {
  const out = new Map<string, ResolvedCatalog | CatalogError>();
  const cold: string[] = [];
  for (const sha of shas) {
    const cached = atCommit.get(`${repo.id}:${sha}`);
    if (cached) out.set(sha, cached);
    else cold.push(sha);
  }
  if (cold.length === 0) return out;
  const files = await readingCommits(repo, cold, (mirror) => mirror.readFiles(cold, CATALOG_FILE));
  for (const sha of cold) {
    try {
      out.set(sha, await resolve(repo, sha, files.get(sha) ?? null));
    } catch (err) {
      if (!(err instanceof CatalogError)) throw err;
      out.set(sha, err);
    }
  }
  return out;
}
