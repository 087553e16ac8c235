import { headers } from "next/headers";
import { cache } from "react";
import { authenticate, CONTROL_CHARACTER } from "@proofboard/api";
import { env } from "@proofboard/env";
import { branchByName, laneHistory, NotFoundError, repositoryByName, runById } from "@proofboard/services";

/**
 * Server-side existence checks before a page renders its client component, so an unknown branch,
 * run or lane answers HTTP 404 instead of 200 and a client-side error. "unknown" means the check
 * could not say (the database is away, or reading needs a login this request lacks): the page then
 * renders as before and its client component says what is wrong, so a check never hides a page.
 */
export type Presence<T = true> = { state: "found"; value: T } | { state: "missing" } | { state: "unknown" };

/** Whether this request may read: existence itself is information a login-only Proofboard keeps in. */
async function mayRead(): Promise<boolean> {
  if (env().PROOFBOARD_READ_ACCESS === "public") return true;
  const who = await authenticate(new Request("http://proofboard.invalid/", { headers: await headers() })).catch(
    () => null,
  );
  return !!who?.user;
}

async function presence<T>(name: string, max: number, find: () => Promise<T>): Promise<Presence<T>> {
  // Names the API refuses (BAD_REQUEST) cannot exist; the proxy answers most of them with a 400 first.
  if (!name || name.length > max || CONTROL_CHARACTER.test(name)) return { state: "missing" };
  if (!(await mayRead())) return { state: "unknown" };
  try {
    return { state: "found", value: await find() };
  } catch (err) {
    return err instanceof NotFoundError ? { state: "missing" } : { state: "unknown" };
  }
}

/** Cached per request: generateMetadata and the page ask the same question once. */
export const branchPresence = cache((name: string) =>
  presence(name, 255, async () => branchByName(await repositoryByName(undefined), name)),
);

export const runPresence = cache((id: string) => presence(id, 64, () => runById(id)));

/** A lane is known while it is in the catalog or has ever run (as history.lane says); with a branch, that branch too. */
export const lanePresence = cache((lane: string, branch?: string) =>
  presence(lane, 200, async () => {
    if (branch !== undefined && (branch.length > 255 || CONTROL_CHARACTER.test(branch)))
      throw new NotFoundError("branch", branch);
    await laneHistory(await repositoryByName(undefined), { lane, branch, limit: 1 });
    return true as const;
  }),
);
