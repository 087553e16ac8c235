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
    const { missing, why } = await fetchMissingCommits(repo, shas);
    if (missing.length === 0) return read(mirror);
    const named = missing.slice(0, 3).map((sha) => sha.slice(0, 10));
    const commits = `${missing.length === 1 ? "commit" : `${missing.length} commits`} ${named.join(", ")}${missing.length > 3 ? ", …" : ""}`;
    throw new TargetFetchError(`${commits} could not be fetched from the target ${repo.name} (${why})`, {
      cause: err,
    });
  }
}
