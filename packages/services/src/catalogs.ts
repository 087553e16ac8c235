import { readFile } from "node:fs/promises";
import { CATALOG_FILE, parseCatalog, type Catalog } from "@proofboard/domain";
import type { Repository } from "@proofboard/db";
import { env } from "@proofboard/env";
import { mirrorFor } from "./repositories";

export interface ResolvedCatalog {
  catalog: Catalog;
  /** "proofboard.yaml@<sha>" or the default catalog's path */
  source: string;
}

/** Commits never change, so a commit's catalog is cached for the life of the process. */
const atCommit = new Map<string, ResolvedCatalog>();
let fallback: ResolvedCatalog | undefined;

export async function defaultCatalog(): Promise<ResolvedCatalog> {
  if (!fallback) {
    const file = env().PROOFBOARD_DEFAULT_CATALOG;
    fallback = { catalog: parseCatalog(await readFile(file, "utf8"), file), source: file };
  }
  return fallback;
}

/** The catalog used for a run is the one at that run's commit, else the default; a bad one throws CatalogError. */
export async function catalogAt(repo: Pick<Repository, "id" | "name" | "url">, sha: string): Promise<ResolvedCatalog> {
  const key = `${repo.id}:${sha}`;
  const cached = atCommit.get(key);
  if (cached) return cached;
  const bytes = await mirrorFor(repo).readFile(sha, CATALOG_FILE);
  const source = `${CATALOG_FILE}@${sha.slice(0, 10)}`;
  const resolved = bytes ? { catalog: parseCatalog(bytes.toString("utf8"), source), source } : await defaultCatalog();
  if (atCommit.size > 5000) atCommit.clear();
  atCommit.set(key, resolved);
  return resolved;
}
