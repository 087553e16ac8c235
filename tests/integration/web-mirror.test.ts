import { existsSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db, disconnectDb, type Repository } from "@proofboard/db";
import {
  ensureRepository,
  FAILED_FETCH_MEMORY_MS,
  firstParentLog,
  mirrorFor,
  syncRepository,
} from "@proofboard/services";
import { catalogYaml, cloneOf, makeRepo, resetDb } from "./helpers";
import { operatorCaller } from "../support/callers";

/**
 * Workers sync the target on their own machines and record branch heads in PostgreSQL; a web
 * process reads catalogs and history from a mirror of its own, which may lack those commits or not
 * exist at all (a web with a data folder of its own, whose reconciler is off). Its pages must read
 * what the workers recorded, not fail on "not a git repository".
 */
const caller = await operatorCaller("test");
const NAME = "webmirror";
let target: ReturnType<typeof makeRepo>;
let repo: Repository;

/** What another machine's sync does: the branch moves in PostgreSQL; this process's mirror is not told. */
async function movedElsewhere(branch: string, sha: string): Promise<void> {
  await db().branch.update({
    where: { repositoryId_name: { repositoryId: repo.id, name: branch } },
    data: { headSha: sha },
  });
}

const lanesOfMain = async () =>
  (await caller.branches.get({ repository: NAME, name: "main" })).gates.flatMap((g) => g.lanes.map((l) => l.lane));

beforeAll(async () => {
  await resetDb();
  target = makeRepo({ "proofboard.yaml": catalogYaml([{ name: "alpha", command: ["true"] }]) });
  repo = await ensureRepository(NAME, target.dir);
  await syncRepository(repo);
});

afterAll(async () => {
  await disconnectDb();
});

describe("a web process whose mirror is behind the workers' syncs", () => {
  it("fetches a head commit it lacks, then reads its catalog", async () => {
    const sha = target.commit(
      {
        "proofboard.yaml": catalogYaml([
          { name: "alpha", command: ["true"] },
          { name: "beta", command: ["true"] },
        ]),
      },
      "a second lane",
    );
    expect(await mirrorFor(repo).hasCommit(sha)).toBe(false);
    await movedElsewhere("main", sha);
    const list = await caller.branches.list({ repository: NAME });
    expect(list.branches.map((b) => [b.name, b.headSha, b.catalogError])).toEqual([["main", sha, null]]);
    expect(await lanesOfMain()).toEqual(["alpha", "beta"]);
    expect(await mirrorFor(repo).hasCommit(sha)).toBe(true);
  });

  it("makes its mirror when there is none, for the overview, the branch and its history", async () => {
    const sha = target.commit(
      { "proofboard.yaml": catalogYaml([{ name: "gamma", command: ["true"] }]) },
      "gamma instead; $(touch /tmp/pwned) `id`",
    );
    await movedElsewhere("main", sha);
    rmSync(mirrorFor(repo).path, { recursive: true, force: true });
    expect((await caller.branches.list({ repository: NAME })).branches[0]?.catalogError).toBeNull();
    expect(await lanesOfMain()).toEqual(["gamma"]);
    rmSync(mirrorFor(repo).path, { recursive: true, force: true });
    const log = await firstParentLog(repo, { to: sha }, 5);
    expect(log.map((c) => c.subject)).toEqual(["gamma instead; $(touch /tmp/pwned) `id`", "a second lane", "initial"]);
    expect(existsSync("/tmp/pwned")).toBe(false);
  });

  it("names a head commit the target cannot give, as the target's fault (502), and leaves no half-made mirror", async () => {
    const good = (await db().branch.findFirstOrThrow({ where: { repositoryId: repo.id, name: "main" } })).headSha;
    const never = "e".repeat(40);
    await movedElsewhere("main", never);
    try {
      await expect(caller.branches.list({ repository: NAME })).rejects.toMatchObject({
        code: "BAD_GATEWAY",
        message: `commit eeeeeeeeee could not be fetched from the target ${NAME} (the target does not have it)`,
      });
      // the target itself gone, and this process without a mirror: the reason is git's, and no clone is left behind
      const moved = `${target.dir}-moved`;
      rmSync(mirrorFor(repo).path, { recursive: true, force: true });
      await db().repository.update({ where: { id: repo.id }, data: { url: moved } });
      repo = await db().repository.findUniqueOrThrow({ where: { id: repo.id } });
      await expect(caller.branches.list({ repository: NAME })).rejects.toMatchObject({
        code: "BAD_GATEWAY",
        message: expect.stringMatching(
          new RegExp(`^commit eeeeeeeeee could not be fetched from the target ${NAME} \\(.*${moved}.*\\)$`),
        ),
      });
      const mirrors = path.dirname(mirrorFor(repo).path);
      expect(readdirSync(mirrors).filter((f) => f.includes(repo.id))).toEqual([]);
    } finally {
      await db().repository.update({ where: { id: repo.id }, data: { url: target.dir } });
      repo = await db().repository.findUniqueOrThrow({ where: { id: repo.id } });
      await movedElsewhere("main", good);
    }
    expect(await lanesOfMain()).toEqual(["gamma"]);
  });
});

describe("a commit the target could not give, asked for again and again", () => {
  it("is answered from the last try for a while, not fetched again by every page; then fetched", async () => {
    const good = (await db().branch.findFirstOrThrow({ where: { repositoryId: repo.id, name: "main" } })).headSha;
    // a commit made in a clone: the target gains it only when the clone's branch is fetched into it
    const clone = cloneOf(target.dir);
    const later = clone.commit({}, "made elsewhere; $(touch /tmp/pwned)");
    await movedElsewhere("main", later);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      await expect(caller.branches.list({ repository: NAME })).rejects.toMatchObject({
        code: "BAD_GATEWAY",
        message: `commit ${later.slice(0, 10)} could not be fetched from the target ${NAME} (the target does not have it)`,
      });
      target.git("fetch", "-q", clone.dir, "main:later");
      vi.setSystemTime(Date.now() + 5_000);
      // the target has it now, but the last try was 5 s ago: no fetch, the same answer, and when it is tried again
      const pages = await Promise.allSettled([
        caller.branches.list({ repository: NAME }),
        caller.branches.get({ repository: NAME, name: "main" }),
      ]);
      for (const page of pages) {
        expect(page).toMatchObject({
          status: "rejected",
          reason: {
            code: "BAD_GATEWAY",
            message: `commit ${later.slice(0, 10)} could not be fetched from the target ${NAME} (the target does not have it; tried 5 s ago, again after 25 s or the next sync)`,
          },
        });
      }
      expect(await mirrorFor(repo).hasCommit(later)).toBe(false);
      vi.setSystemTime(Date.now() + FAILED_FETCH_MEMORY_MS);
      expect((await caller.branches.list({ repository: NAME })).branches[0]?.catalogError).toBeNull();
      expect(await mirrorFor(repo).hasCommit(later)).toBe(true);
      expect(existsSync("/tmp/pwned")).toBe(false);
    } finally {
      vi.useRealTimers();
      await movedElsewhere("main", good);
    }
  });

  it("is fetched at once after a sync of the target", async () => {
    const good = (await db().branch.findFirstOrThrow({ where: { repositoryId: repo.id, name: "main" } })).headSha;
    const never = "d".repeat(40);
    await movedElsewhere("main", never);
    try {
      await expect(caller.branches.list({ repository: NAME })).rejects.toMatchObject({
        message: expect.not.stringContaining("tried"),
      });
      await expect(caller.branches.list({ repository: NAME })).rejects.toMatchObject({
        // answered from memory; how many seconds ago depends on how busy the machine is
        message: expect.stringMatching(/; tried \d+ s ago, again after \d+ s or the next sync\)$/),
      });
      await syncRepository(repo).catch(() => undefined);
      await movedElsewhere("main", never);
      await expect(caller.branches.list({ repository: NAME })).rejects.toMatchObject({
        message: `commit dddddddddd could not be fetched from the target ${NAME} (the target does not have it)`,
      });
    } finally {
      await movedElsewhere("main", good);
    }
  });
});
