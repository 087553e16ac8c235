import { cleanFaultMessage } from "@proofboard/domain";
import type { Repository } from "@proofboard/db";
import type { Mirror } from "@proofboard/git";
import { TargetFetchError } from "./errors";
import { mirrorFor } from "./repositories";
import { clearTargetFault, recordTargetFault } from "./target-faults";

type Repo = Pick<Repository, "id" | "name" | "url">;

export interface MissingCommits {
  /** the commits this process's mirror still lacks */
  missing: string[];
  /** the target's reason, first line, cleaned (its bytes are the remote's): null when nothing is missing */
  why: string | null;
}

/**
 * Makes this process's mirror hold `shas`. A mirror that has them fetches nothing; one that lacks
 * them (or does not exist yet) fetches every branch, and when that fails (one broken ref in the
 * target fails it) each commit alone, by id. A full fetch's outcome is recorded as the target's
 * fault or its end. After a full fetch that worked, a commit no branch reaches is not the target's
 * to give: it stays missing.
 */
export async function fetchMissingCommits(repo: Repo, shas: readonly string[]): Promise<MissingCommits> {
  const mirror = mirrorFor(repo);
  // A target that cannot be cloned whole still gets an empty mirror: its commits are fetched by id.
  const cloned = await mirror.ensure().then(
    () => null,
    (err: Error) => err,
  );
  let missing = await mirror.missingCommits(shas);
  if (missing.length === 0) return { missing, why: null };
  const fetched =
    cloned ??
    (await mirror.fetch().then(
      () => null,
      (err: Error) => err,
    ));
  // Shown on the branch and hosts pages; failing to record it must not cost the caller its answer.
  await (fetched ? recordTargetFault(repo.id, fetched.message) : clearTargetFault(repo.id)).catch(() => undefined);
  missing = await mirror.missingCommits(missing);
  if (missing.length === 0 || !fetched) return { missing, why: missing.length ? "the target does not have it" : null };
  let alone: Error | null = null;
  if (await mirror.isMirror()) {
    for (const sha of missing) {
      alone =
        (await mirror.fetchCommit(sha).then(
          () => null,
          (err: Error) => err,
        )) ?? alone;
    }
    missing = await mirror.missingCommits(missing);
  }
  if (missing.length === 0) return { missing, why: null };
  return { missing, why: cleanFaultMessage((alone ?? fetched).message.split("\n")[0] ?? "", 500) };
}

/** How long a commit the target could not give is answered from memory rather than fetched again. */
export const FAILED_FETCH_MEMORY_MS = 30_000;

interface FailedFetch {
  at: number;
  why: string;
}

/** Per process: repository, its URL and a commit → the last failed try. A good sync forgets its repository's. */
const failedFetches = new Map<string, FailedFetch>();
const fetching = new Map<string, Promise<MissingCommits>>();
const failureKey = (repo: Repo, sha: string) => `${repo.id}\0${repo.url}\0${sha}`;

/** Forgets the failed tries of a repository's commits: its target has just been fetched whole. */
export function forgetFailedFetches(repositoryId: string): void {
  for (const key of failedFetches.keys()) if (key.startsWith(`${repositoryId}\0`)) failedFetches.delete(key);
}

/**
 * `fetchMissingCommits` for reads that pages make. While a target cannot give a commit, every
 * page that needs it would otherwise fetch again (the whole target, then the commit, up to git's
 * network timeout) before it can answer: a commit tried within FAILED_FETCH_MEMORY_MS is answered
 * from that try. Concurrent reads of one repository share one fetch.
 */
async function fetchOrRecall(repo: Repo, shas: readonly string[]): Promise<MissingCommits & { triedAgo?: number }> {
  for (let pending = fetching.get(repo.id); pending; pending = fetching.get(repo.id)) await pending;
  const local = await mirrorFor(repo)
    .missingCommits(shas)
    .catch(() => [...shas]);
  if (local.length === 0) return { missing: [], why: null };
  const now = Date.now();
  for (const [key, failed] of failedFetches) if (now - failed.at >= FAILED_FETCH_MEMORY_MS) failedFetches.delete(key);
  const recalled = local.map((sha) => failedFetches.get(failureKey(repo, sha)));
  if (recalled.every((failed) => failed !== undefined)) {
    const oldest = Math.min(...recalled.map((failed) => failed.at));
    return { missing: local, why: recalled[0]!.why, triedAgo: now - oldest };
  }
  const fetched = fetchMissingCommits(repo, local).catch((err: Error): MissingCommits => ({
    missing: local,
    why: cleanFaultMessage(err.message.split("\n")[0] ?? "", 500),
  }));
  fetching.set(repo.id, fetched);
  try {
    const result = await fetched;
    const still = new Set(result.missing);
    for (const sha of local) {
      if (still.has(sha)) failedFetches.set(failureKey(repo, sha), { at: Date.now(), why: result.why ?? "" });
      else failedFetches.delete(failureKey(repo, sha));
    }
    return result;
  } finally {
    fetching.delete(repo.id);
  }
}

/**
 * A read of this process's mirror that needs `shas`. Workers sync the target on their own machines,
 * so a web process's mirror may lack a commit they recorded, or not exist at all (a web with a data
 * folder of its own): when the read fails, the commits it lacks are fetched and the read is made
 * once more. Commits the target cannot give are a TargetFetchError that names them and why.
 */
export async function readingCommits<T>(
  repo: Repo,
  shas: readonly string[],
  read: (mirror: Mirror) => Promise<T>,
): Promise<T> {
  const mirror = mirrorFor(repo);
  try {
    return await read(mirror);
  } catch (err) {
    const { missing, why, triedAgo } = await fetchOrRecall(repo, shas);
    if (missing.length === 0) return read(mirror);
    const named = missing.slice(0, 3).map((sha) => sha.slice(0, 10));
    const commits = `${missing.length === 1 ? "commit" : `${missing.length} commits`} ${named.join(", ")}${missing.length > 3 ? ", …" : ""}`;
    const when =
      triedAgo === undefined
        ? ""
        : `; tried ${Math.round(triedAgo / 1000)} s ago, again after ${Math.ceil((FAILED_FETCH_MEMORY_MS - triedAgo) / 1000)} s or the next sync`;
    throw new TargetFetchError(`${commits} could not be fetched from the target ${repo.name} (${why}${when})`, {
      cause: err,
    });
  }
}
