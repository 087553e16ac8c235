import { db, type Run } from "@proofboard/db";
import type { RunStatus } from "@proofboard/domain";

export { catalogYaml, cloneOf, makeRepo } from "../support/target-repo";

export async function resetDb(): Promise<void> {
  await db().$executeRawUnsafe(
    `TRUNCATE console_chunk, console, run_metric, run, commit, branch, repository, host, webhook_delivery CASCADE`,
  );
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A run written straight to the table, for exact and fast data: the next attempt of its lane on its
 * commit, started a second after `queuedAt` and finished `secs` later, as far as its status got.
 * `heldSecs`: its lane ended `secs` after the start and its VMs were held that much longer.
 */
export async function insertRun(o: {
  repositoryId: string;
  sha: string;
  lane: string;
  status: RunStatus;
  queuedAt: Date;
  branch?: string;
  secs?: number;
  hostClass?: string;
  fingerprint?: object;
  heldSecs?: number;
  /** default: "<lane> broke" for a failed run, else none */
  reason?: string;
}): Promise<Run> {
  const attempt =
    1 + (await db().run.count({ where: { repositoryId: o.repositoryId, commitSha: o.sha, lane: o.lane } }));
  const startedAt = o.status === "queued" || o.status === "waiting" ? null : new Date(o.queuedAt.getTime() + 1000);
  const ended = startedAt && o.status !== "running";
  const laneEndedAt = ended && o.heldSecs ? new Date(startedAt.getTime() + (o.secs ?? 100) * 1000) : null;
  return db().run.create({
    data: {
      repositoryId: o.repositoryId,
      commitSha: o.sha,
      branchName: o.branch ?? "main",
      lane: o.lane,
      attempt,
      argv: ["true"],
      timeoutSeconds: 600,
      hostClass: o.hostClass ?? "tcg",
      catalogSource: "test",
      status: o.status,
      queuedAt: o.queuedAt,
      startedAt,
      finishedAt: ended ? new Date(startedAt.getTime() + ((o.secs ?? 100) + (o.heldSecs ?? 0)) * 1000) : null,
      ...(laneEndedAt && {
        laneEndedAt,
        holdSeconds: o.heldSecs,
        holdUntil: new Date(laneEndedAt.getTime() + o.heldSecs! * 1000),
      }),
      exitCode: o.status === "passed" ? 0 : o.status === "failed" ? 1 : null,
      reason: o.reason ?? (o.status === "failed" ? `${o.lane} broke` : null),
      hostFingerprint: o.fingerprint,
    },
  });
}
