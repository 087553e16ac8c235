import path from "node:path";
import { db, type Repository } from "@proofboard/db";
import { env } from "@proofboard/env";
import { Mirror, validateRepositoryUrl } from "@proofboard/git";
import { ConfigError, NotFoundError } from "./errors";

/** Registers (or updates the URL of) a target repository. */
export async function ensureRepository(name: string, url: string): Promise<Repository> {
  const check = validateRepositoryUrl(url);
  if (!check.ok) throw new Error(`repository ${name}: ${check.reason}`);
  return db().repository.upsert({ where: { name }, create: { name, url }, update: { url } });
}

/** The configured target, registered on first use. */
export async function defaultRepository(): Promise<Repository> {
  const e = env();
  const existing = await db().repository.findUnique({ where: { name: e.PROOFBOARD_TARGET_NAME } });
  if (existing && (!e.PROOFBOARD_TARGET_URL || existing.url === e.PROOFBOARD_TARGET_URL)) return existing;
  if (!e.PROOFBOARD_TARGET_URL) {
    const any = await db().repository.findFirst({ orderBy: { createdAt: "asc" } });
    if (any) return any;
    throw new ConfigError(
      "no target repository yet: set PROOFBOARD_TARGET_URL to a git path or URL (scripts/start.sh sets up the demo)",
    );
  }
  return ensureRepository(e.PROOFBOARD_TARGET_NAME, e.PROOFBOARD_TARGET_URL);
}

export async function repositoryByName(name: string | undefined): Promise<Repository> {
  if (!name) return defaultRepository();
  const repo = await db().repository.findUnique({ where: { name } });
  if (!repo) throw new NotFoundError("repository", name);
  return repo;
}

const mirrors = new Map<string, Mirror>();

/** Each process keeps its own bare mirror of a target under the data folder. */
export function mirrorFor(repo: Pick<Repository, "id" | "name" | "url">): Mirror {
  const key = `${repo.id}\0${repo.url}`;
  let mirror = mirrors.get(key);
  if (!mirror) {
    const dir = path.join(env().PROOFBOARD_DATA_DIR, "mirrors", `${repo.name}-${repo.id}.git`);
    mirror = new Mirror({ url: repo.url, path: dir });
    mirrors.set(key, mirror);
  }
  return mirror;
}
