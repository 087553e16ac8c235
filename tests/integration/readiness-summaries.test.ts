import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { computeBranchReadiness, type RunStatus, type RunSummary } from "@proofboard/domain";
import { branchByName, branchView, catalogAt, ensureRepository, overview, syncRepository } from "@proofboard/services";
import type { Repository } from "@proofboard/db";
import { catalogYaml, insertRun, makeRepo, resetDb } from "./helpers";

/**
 * Readiness reads two summaries that triggers on run keep (commit_lane, branch_lane_pass). These
 * tests write runs the way the product does (inserts, then status updates) and check that what
 * readiness serves equals computeBranchReadiness over a plain reading of every run.
 */
const LANES = ["alpha", "beta", "gamma"];
const STATUSES: RunStatus[] = [
  "queued",
  "running",
  "passed",
  "failed",
  "timed_out",
  "canceled",
  "error",
  "skipped",
  "waiting",
];
let repo: Repository;
const heads: Record<string, string[]> = {};

const newRun = (o: { sha: string; branch: string; lane: string; status: RunStatus; at: number }) =>
  insertRun({ repositoryId: repo.id, ...o, queuedAt: new Date(o.at), secs: 4 });

/** Every run of the head commit and of the branch, read plainly, judged by the domain's rule. */
async function plainReadiness(name: string) {
  const branch = await branchByName(repo, name);
  const { catalog } = await catalogAt(repo, branch.headSha);
  const select = {
    id: true,
    lane: true,
    commitSha: true,
    status: true,
    attempt: true,
    queuedAt: true,
    startedAt: true,
    finishedAt: true,
    laneEndedAt: true,
    failureKind: true,
    reason: true,
  } as const;
  const runs: RunSummary[] = await db().run.findMany({
    where: { repositoryId: repo.id, OR: [{ commitSha: branch.headSha }, { branchName: name }] },
    select,
  });
  return computeBranchReadiness({ headSha: branch.headSha, catalog, runs });
}

/** Checks both readers against the plain reading; returns the lanes seen, to tell which cases were reached. */
async function expectSameAsPlain() {
  const all = new Map((await overview(repo, { allLanes: true })).map((v) => [v.branch.name, v.readiness]));
  const lanes = [];
  for (const name of ["main", "side"]) {
    const plain = await plainReadiness(name);
    expect((await branchView(repo, await branchByName(repo, name))).readiness, name).toEqual(plain);
    expect(all.get(name), name).toEqual(plain);
    lanes.push(...Object.values(plain.lanes));
  }
  return lanes;
}

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({ "proofboard.yaml": catalogYaml(LANES.map((name) => ({ name, command: ["true"] }))) });
  heads.main = [target.git("rev-parse", "HEAD")];
  target.git("checkout", "-q", "-b", "side");
  heads.side = [target.commit({ "s.txt": "1" }, "side 1"), target.commit({ "s.txt": "2" }, "side 2")];
  target.git("checkout", "-q", "main");
  heads.main.push(target.commit({ "m.txt": "1" }, "main 2"), target.commit({ "m.txt": "2" }, "main 3"));
  repo = await ensureRepository("itest", target.dir);
  await syncRepository(repo);
});

afterAll(async () => {
  await disconnectDb();
});

describe("readiness summaries", () => {
  it("follow 400 inserts and status changes exactly: head runs, flaky passes, stale passes, failed reruns after a pass", async () => {
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const open: { id: string }[] = [];
    const seen: Awaited<ReturnType<typeof expectSameAsPlain>> = [];
    for (let step = 0; step < 400; step++) {
      const at = Date.parse("2026-11-01T00:00:00Z") + step * 60_000 - rand(3) * 90_000; // queue times not in insert order
      if (open.length > 0 && rand(3) === 0) {
        const run = open.splice(rand(open.length), 1)[0]!;
        await db().run.update({
          where: { id: run.id },
          data: { status: STATUSES[2 + rand(7)]!, finishedAt: new Date(at), laneEndedAt: new Date(at - 30_000) },
        });
      } else {
        const branch = rand(2) === 0 ? "main" : "side";
        const sha = heads[branch]![rand(heads[branch]!.length)]!;
        const run = await newRun({ sha, branch, lane: LANES[rand(3)]!, status: STATUSES[rand(STATUSES.length)]!, at });
        if (run.status === "queued" || run.status === "running") open.push(run);
      }
      if (step % 25 === 24) seen.push(...(await expectSameAsPlain()));
    }
    // Reruns under way, newer than anything above, behind a pass and behind a failure.
    const later = Date.parse("2026-11-02T00:00:00Z");
    for (const [branch, lane, verdict] of [
      ["main", "alpha", "passed"],
      ["side", "beta", "failed"],
    ] as const) {
      const sha = heads[branch]!.at(-1)!;
      await newRun({ sha, branch, lane, status: verdict, at: later });
      await newRun({ sha, branch, lane, status: "running", at: later + 60_000 });
    }
    seen.push(...(await expectSameAsPlain()));
    // The sequence reached the cases worth reaching, so the comparisons above proved something.
    expect(seen.some((l) => l.flaky)).toBe(true);
    expect(seen.some((l) => l.stalePass)).toBe(true);
    expect(seen.some((l) => l.state === "failed")).toBe(true);
    expect(seen.some((l) => l.rerun && l.state === "passed")).toBe(true);
    expect(seen.some((l) => l.rerun && l.state === "failed")).toBe(true);
  });

  it("keep the newest run when an older run's update and a newer run's insert race on one commit", async () => {
    const sha = heads.main!.at(-1)!;
    const pool = () => new pg.Client({ connectionString: process.env.DATABASE_URL });
    for (const updateFirst of [true, false]) {
      const older = await newRun({
        sha,
        branch: "main",
        lane: "gamma",
        status: "running",
        at: Date.parse("2026-12-01T00:00:00Z"),
      });
      const newer = { id: randomUUID(), attempt: older.attempt + 1 };
      const [a, b] = [pool(), pool()];
      await a.connect();
      await b.connect();
      try {
        await a.query("BEGIN");
        await b.query("BEGIN");
        const update = () => a.query("UPDATE run SET status = 'failed', finished_at = now() WHERE id = $1", [older.id]);
        const insert = () =>
          b.query(
            `INSERT INTO run (id, repository_id, commit_sha, branch_name, lane, attempt, argv, timeout_seconds, host_class, catalog_source, status, queued_at)
           VALUES ($1, $2, $3, 'main', 'gamma', $4, '{true}', 60, 'tcg', 'test', 'queued', $5)`,
            [newer.id, repo.id, sha, newer.attempt, new Date(Date.parse("2026-12-01T00:01:00Z"))],
          );
        // Whichever writes second waits on the summary row; each saw only its own run.
        const [first, second, firstClient, secondClient] = updateFirst
          ? [update, insert, a, b]
          : [insert, update, b, a];
        await first();
        const waiting = second();
        await new Promise((r) => setTimeout(r, 200));
        await firstClient.query("COMMIT");
        await waiting;
        await secondClient.query("COMMIT");
      } finally {
        await a.end();
        await b.end();
      }
      const row = await db().commitLane.findUniqueOrThrow({
        where: { repositoryId_commitSha_lane: { repositoryId: repo.id, commitSha: sha, lane: "gamma" } },
      });
      expect(row.runId, updateFirst ? "update first" : "insert first").toBe(newer.id);
      expect(row.status).toBe("queued");
      expect(row.failureRunId).not.toBeNull();
      expect(row.finalRunId).toBe(older.id);
      expect(row.finalStatus).toBe("failed");
      await expectSameAsPlain();
    }
  });

  it("keep the newest final run when two runs of one commit end in racing transactions, whichever commits first", async () => {
    const sha = heads.side!.at(-1)!;
    for (const newerFirst of [true, false]) {
      const at = Date.parse("2026-12-02T00:00:00Z") + (newerFirst ? 0 : 3_600_000);
      const older = await newRun({ sha, branch: "side", lane: "beta", status: "running", at });
      const newer = await newRun({ sha, branch: "side", lane: "beta", status: "running", at: at + 60_000 });
      const [a, b] = [
        new pg.Client({ connectionString: process.env.DATABASE_URL }),
        new pg.Client({ connectionString: process.env.DATABASE_URL }),
      ];
      await a.connect();
      await b.connect();
      try {
        await a.query("BEGIN");
        await b.query("BEGIN");
        const end = (c: pg.Client, id: string, status: string) =>
          c.query("UPDATE run SET status = $2, finished_at = now() WHERE id = $1", [id, status]);
        const [first, second] = newerFirst
          ? [() => end(a, newer.id, "failed"), () => end(b, older.id, "passed")]
          : [() => end(a, older.id, "passed"), () => end(b, newer.id, "failed")];
        await first();
        const waiting = second();
        await new Promise((r) => setTimeout(r, 200));
        await a.query("COMMIT");
        await waiting;
        await b.query("COMMIT");
      } finally {
        await a.end();
        await b.end();
      }
      const row = await db().commitLane.findUniqueOrThrow({
        where: { repositoryId_commitSha_lane: { repositoryId: repo.id, commitSha: sha, lane: "beta" } },
      });
      expect([row.finalRunId, row.finalStatus], newerFirst ? "newer first" : "older first").toEqual([
        newer.id,
        "failed",
      ]);
      const side = await branchView(repo, await branchByName(repo, "side"));
      expect(side.readiness?.lanes.beta).toMatchObject({ state: "failed", rerun: null });
      await expectSameAsPlain();
    }
  });
});
