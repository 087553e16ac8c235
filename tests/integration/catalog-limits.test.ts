import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb, Prisma } from "@proofboard/db";
import { CatalogError, MAX_LANES } from "@proofboard/domain";
import { handleBadge } from "@proofboard/api";
import { closeQueues, enqueueRun, laneQueue } from "@proofboard/jobs";
import {
  advanceAllWaiting,
  catalogAt,
  catalogParses,
  ensureRepository,
  listConsoles,
  readConsole,
  requestMissing,
  requestRun,
  runById,
  syncRepository,
} from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { insertRun, makeRepo, resetDb, waitFor } from "./helpers";
import { operatorCaller } from "../support/callers";

/**
 * The catalog bugs of issue 9: an invalid catalog is parsed once per commit (not per request), a
 * huge one is refused before parsing, `missing` on a bad head says why, and a run never runs
 * without its lane definition: it uses the snapshot taken when it was requested, or waits.
 */
const lane = (i: number) =>
  `  - { name: lane-${i}, description: lane ${i}, command: [echo, "${i}"], group: publishable, host: tcg, timeoutSeconds: 60 }`;
const good = `version: 1
name: limits
lanes:
  - name: envy
    description: prints what only its lane definition gives it
    command: [bash, -c, 'echo "spec says $SPEC_GREETING"']
    group: publishable
    host: tcg
    timeoutSeconds: 60
    env: { SPEC_GREETING: "hi; $(touch /tmp/pwned-by-env)" }
gates:
  - { id: rel, name: release, lanes: [envy], release: true }
`;
// under 1 MiB but over the lane cap: a full YAML parse (hundreds of ms) to find out
const slow = [
  "version: 1",
  "name: slow",
  "lanes:",
  ...Array.from({ length: 7000 }, (_, i) => lane(i)),
  "  - { name: broken }",
  "",
].join("\n");
// 5 MB of YAML that is broken in several ways; refused for its size alone
const huge = `version: 1\nlanes:\n${'  - { name: x, command: ["$(rm -rf /)"] \n'.repeat(125_000)}`;

let worker: RunningWorker;
let target: ReturnType<typeof makeRepo>;
let repo: Awaited<ReturnType<typeof ensureRepository>>;
const caller = await operatorCaller("test");
const marker = path.join(mkdtempSync(path.join(os.tmpdir(), "pb-lanespec-")), "ran");

beforeAll(async () => {
  await resetDb();
  await laneQueue("tcg").obliterate({ force: true });
  target = makeRepo({ "proofboard.yaml": good });
  target.git("checkout", "-q", "-b", "slow");
  target.commit({ "proofboard.yaml": slow }, "a slow invalid catalog");
  target.git("checkout", "-q", "-b", "huge", "main");
  target.commit({ "proofboard.yaml": huge }, "a huge invalid catalog");
  target.git("checkout", "-q", "main");
  repo = await ensureRepository("catlimits", target.dir);
  await syncRepository(repo);
  worker = await startWorker({ hostName: "catlimits-tcg", control: false, slots: 2, log: () => undefined });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

const headOf = async (name: string) =>
  (await db().branch.findUniqueOrThrow({ where: { repositoryId_name: { repositoryId: repo.id, name } } })).headSha;
const ended = (id: string) =>
  waitFor(`run ${id} to end`, async () => {
    const r = await runById(id);
    return ["queued", "running"].includes(r.status) ? null : r;
  });

describe("invalid catalogs are parsed once per commit", () => {
  it("refuses the 5 MB catalog for its size, and a second overview is fast and parses nothing", async () => {
    await expect(catalogAt(repo, await headOf("huge"))).rejects.toThrow(
      /^proofboard\.yaml@[0-9a-f]{10}:1: the catalog is 5,\d{3},\d{3} bytes; the limit is 1 MiB/,
    );
    // the sync judged the three heads: one parse per catalog text, and never again
    expect(catalogParses.count).toBe(3);
    const first = await caller.branches.list({ repository: "catlimits" });
    expect(first.total).toBe(3);
    const afterFirst = catalogParses.count;
    expect(afterFirst).toBe(3);
    const t0 = performance.now();
    await caller.branches.list({ repository: "catlimits" });
    const secondMs = performance.now() - t0;
    console.info(`second overview with a 5 MB and a 0.7 MB invalid catalog: ${secondMs.toFixed(1)} ms`);
    expect(catalogParses.count).toBe(afterFirst);
    expect(secondMs).toBeLessThan(200);
    // the cached error is the file:line error, every time
    for (let i = 0; i < 3; i++) {
      const err = await catalogAt(repo, await headOf("slow")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CatalogError);
      expect((err as CatalogError).message).toMatch(
        new RegExp(`^proofboard\\.yaml@[0-9a-f]{10}:3: lanes: 7001 lanes; the limit is ${MAX_LANES}$`),
      );
    }
    expect(catalogParses.count).toBe(afterFirst);
  });

  it("missing on a branch whose head catalog is invalid throws that catalog's error, not nothing-to-queue", async () => {
    await expect(requestMissing({ repository: "catlimits", branch: "huge" })).rejects.toThrow(/:1: the catalog is 5,/);
    await expect(caller.runs.rerunMissing({ repository: "catlimits", branch: "slow" })).rejects.toThrow(
      /proofboard\.yaml@[0-9a-f]{10}:3: lanes: 7001 lanes/,
    );
  });

  it("the Lanes page and `proofboard lanes` name the branch and commit whose catalog is broken, and never show the default instead", async () => {
    const slowHead = (await headOf("slow")).slice(0, 10);
    await expect(caller.lanes.list({ repository: "catlimits", branch: "slow" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(
        new RegExp(
          `^the catalog at the head of "slow" \\(${slowHead}\\) cannot be read: proofboard\\.yaml@${slowHead}:3: lanes: 7001 lanes`,
        ),
      ),
    });
    // the branch's badge says "catalog error" and its title says which
    const badge = await handleBadge(new Request("http://proofboard.test/badges/slow.svg?repository=catlimits"));
    expect(badge.status).toBe(200);
    expect(await badge.text()).toMatch(
      new RegExp(
        `<title>release: catalog error: proofboard\\.yaml@${slowHead}:3: lanes: 7001 lanes; the limit is ${MAX_LANES}</title>`,
      ),
    );
    // main reads: without a branch, its catalog is the one shown
    const listed = await caller.lanes.list({ repository: "catlimits" });
    expect(listed.catalog.lanes.map((l) => l.name)).toEqual(["envy"]);
    // a target whose main is broken: the page says so (it used to show the built-in default catalog)
    const broken = makeRepo({ "proofboard.yaml": slow });
    await syncRepository(await ensureRepository("catmain", broken.dir));
    await expect(caller.lanes.list({ repository: "catmain" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(
        /^the catalog at the head of "main" \([0-9a-f]{10}\) cannot be read: .*:3: lanes: 7001 lanes/,
      ),
    });
  });
});

describe("a run never runs without its lane definition", () => {
  it("snapshots the lane when requested and runs with it even where the catalog cannot be read", async () => {
    const requested = await requestRun({ repository: "catlimits", branch: "main", lane: "envy" });
    expect((requested.laneSpec as { env: Record<string, string> }).env.SPEC_GREETING).toBe(
      "hi; $(touch /tmp/pwned-by-env)",
    );
    const run = await ended(requested.id);
    expect(run.status).toBe("passed");
    // the same snapshot on a commit whose catalog is refused (the slow branch): it still runs with its env
    const elsewhere = await db().run.create({
      data: {
        repositoryId: repo.id,
        commitSha: await headOf("slow"),
        branchName: "slow",
        lane: "envy",
        attempt: 1,
        argv: requested.argv,
        timeoutSeconds: 60,
        hostClass: "tcg",
        catalogSource: requested.catalogSource,
        laneSpec: requested.laneSpec as Prisma.InputJsonValue,
      },
    });
    await enqueueRun(elsewhere.id, "tcg");
    const done = await ended(elsewhere.id);
    expect(done.status).toBe("passed");
    expect((await readConsole(done.id, "harness")).data.toString()).toBe("spec says hi; $(touch /tmp/pwned-by-env)\n");
    expect(existsSync("/tmp/pwned-by-env")).toBe(false);
  });

  it("an older run without a snapshot whose catalog cannot be read waits with the reason, runs nothing, and runs once it can be read", async () => {
    // a commit the target has but no branch reaches: the mirror cannot have it, so its catalog cannot be read
    target.git("checkout", "-q", "-b", "side", "main");
    const sha = target.commit({ "side.txt": "side\n" }, "a commit on no branch");
    target.git("checkout", "-q", "main");
    target.git("branch", "-D", "side");
    const old = await db().run.create({
      data: {
        repositoryId: repo.id,
        commitSha: sha,
        branchName: "main",
        lane: "envy",
        attempt: 1,
        argv: ["bash", "-c", 'touch "$1"', "lane", marker],
        timeoutSeconds: 60,
        hostClass: "tcg",
        catalogSource: `proofboard.yaml@${sha.slice(0, 10)}`,
      },
    });
    expect(old.laneSpec).toBeNull();
    await enqueueRun(old.id, "tcg");
    const waiting = await waitFor("the run to wait", async () => {
      const r = await runById(old.id);
      return r.status === "waiting" && r.reason ? r : null;
    });
    // The worker finds the commit missing before it reads any catalog, and says so.
    expect(waiting.reason).toBe(
      `commit ${sha.slice(0, 10)} could not be fetched from the target (the target does not have it); the run waits and is queued again once it can be read`,
    );
    expect([waiting.hostId, waiting.startedAt, waiting.finishedAt, waiting.failureKind]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(existsSync(marker)).toBe(false);
    expect(await listConsoles(old.id)).toEqual([]);
    // nothing of it runs: no process (QEMU or other) carries its id
    expect(() => execFileSync("pgrep", ["-f", old.id])).toThrow();
    // the reconciler leaves it waiting while the catalog still cannot be read, and says so where runs show
    await advanceAllWaiting();
    expect((await runById(old.id)).status).toBe("waiting");
    const run = await caller.runs.get({ id: old.id });
    expect(run.reason).toBe(waiting.reason);
    // the target gets a branch to it: the next sync fetches it, and the reconciler queues the run
    target.git("branch", "revived", sha);
    await syncRepository(repo);
    await advanceAllWaiting();
    const done = await ended(old.id);
    expect(done.status).toBe("passed");
    expect(done.reason).toBeNull();
    expect(existsSync(marker)).toBe(true);
  });

  it("an older run on a commit whose catalog is invalid waits with that catalog's error, and can still be canceled", async () => {
    const sha = await headOf("slow");
    const old = await db().run.create({
      data: {
        repositoryId: repo.id,
        commitSha: sha,
        branchName: "slow",
        lane: "lane-1",
        attempt: 1,
        argv: ["bash", "-c", 'touch "$1"', "lane", marker + "-slow"],
        timeoutSeconds: 60,
        hostClass: "tcg",
        catalogSource: `proofboard.yaml@${sha.slice(0, 10)}`,
      },
    });
    await enqueueRun(old.id, "tcg");
    const waiting = await waitFor("the run to wait", async () => {
      const r = await runById(old.id);
      return r.status === "waiting" && r.reason ? r : null;
    });
    expect(waiting.reason).toContain(
      `(proofboard.yaml@${sha.slice(0, 10)}:3: lanes: 7001 lanes; the limit is ${MAX_LANES})`,
    );
    await advanceAllWaiting();
    expect((await runById(old.id)).status).toBe("waiting");
    // the hosts page says no host can help it: fetches work, and the run waits on the target with its reason
    const target = await caller.hosts.target({ repository: "catlimits" });
    expect(target.fault).toBeNull();
    expect(target.waiting.runs).toContainEqual({
      id: old.id,
      lane: "lane-1",
      branchName: "slow",
      commitSha: sha,
      reason: waiting.reason,
    });
    expect(target.waiting.count).toBe(await db().run.count({ where: { repositoryId: repo.id, status: "waiting" } }));
    const canceled = await caller.runs.cancel({ id: old.id });
    expect(canceled.status).toBe("canceled");
    expect(existsSync(marker + "-slow")).toBe(false);
    expect((await caller.hosts.target({ repository: "catlimits" })).waiting.runs.map((r) => r.id)).not.toContain(
      old.id,
    );
  });

  it("the branch page says why a released run waits, instead of the host-capacity text", async () => {
    const head = await headOf("main");
    const reason =
      "the lane definition could not be read (git cat-file failed: <b>x</b>); the run waits and is queued again once the catalog can be read";
    const released = await insertRun({
      repositoryId: repo.id,
      sha: head,
      branch: "main",
      lane: "envy",
      status: "waiting",
      queuedAt: new Date(),
      reason,
    });
    try {
      const branch = await caller.branches.get({ repository: "catlimits", name: "main" });
      const envy = branch.lanes.find((l) => l.name === "envy");
      expect(envy?.waiting).toBe("waiting until its lane definition can be read");
      // envy passed on this head before: that verdict stands, the released run is its rerun
      expect(envy?.readiness?.rerun?.reason).toBe(reason); // shown in full beside the lane
    } finally {
      await db().run.delete({ where: { id: released.id } });
    }
  });
});
