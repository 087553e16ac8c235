import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues, enqueueRun } from "@proofboard/jobs";
import { ensureRepository, requestRun, syncRepository } from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { catalogYaml, insertRun, makeRepo, resetDb, waitFor } from "./helpers";

/**
 * A target repository with one broken ref fails every `git fetch` of all branches. A run needs
 * only its own commit: the fault must cost nothing (or a wait with the reason), never a verdict.
 */
let worker: RunningWorker;
let target: ReturnType<typeof makeRepo>;
let repositoryId: string;

beforeAll(async () => {
  await resetDb();
  target = makeRepo({
    "proofboard.yaml": catalogYaml([{ name: "hello", command: ["bash", "-c", "echo hello from $PROOFBOARD_COMMIT"] }]),
  });
  const repo = await ensureRepository("fetchfaults", target.dir);
  repositoryId = repo.id;
  await syncRepository(repo);
  // A ref naming an object the repository does not have: git refuses to fetch "refs/heads/*".
  writeFileSync(path.join(target.dir, ".git/refs/heads/broken"), `${"0123456789abcdef".repeat(2)}01234567\n`);
  worker = await startWorker({ hostName: "fetch-host", control: false, slots: 1, log: () => undefined });
});

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

const ended = (id: string, statuses: string[]) =>
  waitFor(
    `run ${id} to reach ${statuses.join("/")}`,
    async () => {
      const run = await db().run.findUniqueOrThrow({ where: { id } });
      return statuses.includes(run.status) ? run : null;
    },
    60_000,
  );

describe("a target whose full fetch fails", () => {
  it("runs a commit the worker already has without fetching", async () => {
    const run = await ended((await requestRun({ repository: "fetchfaults", branch: "main", lane: "hello" })).id, [
      "passed",
      "failed",
      "error",
      "waiting",
    ]);
    expect([run.status, run.reason]).toEqual(["passed", null]);
  });

  it("fetches a commit it lacks by its id alone", async () => {
    const sha = target.commit({ "notes.txt": "a commit the worker's mirror has not seen\n" }, "newer");
    const row = await insertRun({ repositoryId, sha, lane: "hello", status: "queued", queuedAt: new Date() });
    await enqueueRun(row.id, "tcg");
    const run = await ended(row.id, ["passed", "failed", "error", "waiting"]);
    expect([run.status, run.reason]).toEqual(["passed", null]);
  });

  it("makes a run whose commit cannot be had wait with the reason, with no verdict and no retry", async () => {
    const missing = "f".repeat(40);
    const row = await insertRun({ repositoryId, sha: missing, lane: "hello", status: "queued", queuedAt: new Date() });
    await enqueueRun(row.id, "tcg");
    const run = await waitFor(
      "the run to be released",
      async () => {
        const r = await db().run.findUniqueOrThrow({ where: { id: row.id } });
        return r.status === "waiting" && r.reason ? r : null;
      },
      60_000,
    );
    expect(run.reason).toMatch(
      /^commit ffffffffff could not be fetched from the target \(.+\); the run waits and is queued again once it can be read$/,
    );
    expect([run.failureKind, run.finishedAt, run.hostId]).toEqual([null, null, null]);
    expect(await db().run.count({ where: { repositoryId, commitSha: missing } })).toBe(1);
  });
});
