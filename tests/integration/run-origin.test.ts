import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues, laneQueue } from "@proofboard/jobs";
import {
  claimRun,
  ensureRepository,
  reconcile,
  registerHost,
  runScheduledLane,
  syncRepository,
} from "@proofboard/services";
import { makeRepo, resetDb } from "./helpers";
import { operatorCaller } from "../support/callers";

/**
 * Who started a run is part of it (issue #11): a person (manual, "rerun what is missing"), a push,
 * a sync finding a new head, a schedule, or an automatic retry after an infrastructure fault; each
 * stored as run.trigger and said differently in the API's DTO and the branch page's requesters.
 * No worker runs: runs stay queued, and the test ends them itself.
 */
const catalog = `version: 1
name: origins
lanes:
  - { name: hello, description: first lane, command: ["true"], group: portable, host: tcg, timeoutSeconds: 60 }
  - { name: needy, description: needs hello, command: ["true"], group: portable, host: tcg, timeoutSeconds: 60, needs: [hello] }
  - { name: pushed, description: on every new head, command: ["true"], group: portable, host: tcg, timeoutSeconds: 60, triggers: { push: true } }
  - { name: nightly, description: nightly suite, command: ["true"], group: publishable, host: tcg, timeoutSeconds: 60, triggers: { schedule: "0 2 * * *", branches: [main] } }
gates:
  - { id: release, name: Release, lanes: [hello, needy], release: true }
`;

const olga = await operatorCaller("olga");
let target: ReturnType<typeof makeRepo>;

beforeAll(async () => {
  await resetDb();
  await laneQueue("tcg").obliterate({ force: true });
  target = makeRepo({ "proofboard.yaml": catalog });
  await syncRepository(await ensureRepository("origins", target.dir));
});

afterAll(async () => {
  await laneQueue("tcg").obliterate({ force: true });
  await closeQueues();
  await disconnectDb();
});

const fail = (id: string) =>
  db().run.update({ where: { id }, data: { status: "failed", finishedAt: new Date(), exitCode: 1 } });
const origin = (r: { trigger: string; origin: string; attemptKind: string; attempt: number }) => ({
  trigger: r.trigger,
  origin: r.origin,
  attemptKind: r.attemptKind,
  attempt: r.attempt,
});

describe("who started a run", () => {
  it("a person's run, rerun and rerun of what was missing name them; the push lane the first sync queued says sync", async () => {
    // the first sync (a new repository) queued the push lane as a sync found its head
    const [pushed] = await olga.runs.list({ repository: "origins", lane: "pushed" });
    expect(origin(pushed!)).toEqual({
      trigger: "sync",
      origin: "queued by sync: new head of main",
      attemptKind: "first",
      attempt: 1,
    });

    const first = await olga.runs.rerun({ repository: "origins", branch: "main", lane: "hello" });
    expect(origin(first)).toEqual({ trigger: "manual", origin: "run by olga", attemptKind: "first", attempt: 1 });
    await fail(first.id);
    const second = await olga.runs.rerun({ repository: "origins", branch: "main", lane: "hello" });
    expect(origin(second)).toEqual({ trigger: "manual", origin: "rerun by olga", attemptKind: "rerun", attempt: 2 });
    await fail(second.id);

    const { runs: missing, note } = await olga.runs.rerunMissing({ repository: "origins", branch: "main" });
    expect(note).toBeNull();
    expect(missing.map((r) => [r.lane, r.trigger, r.origin])).toEqual([
      ["hello", "missing", "rerun of what was missing by olga"],
      ["needy", "missing", "run of what was missing by olga"],
    ]);
    expect((await olga.runs.get({ id: missing[0]!.id })).origin).toBe("rerun of what was missing by olga");
  });

  it("an automatic retry after an infrastructure fault says so, with its number in a row, unlike a rerun", async () => {
    const [queued] = await olga.runs.list({ repository: "origins", lane: "hello", status: "queued" });
    const host = await registerHost({ name: "origin-host", classes: ["tcg"], capabilities: {}, slots: 1 });
    expect(await claimRun(queued!.id, host.id, {})).not.toBeNull();
    await db().host.update({ where: { id: host.id }, data: { lastHeartbeatAt: new Date(Date.now() - 120_000) } });
    const { retried } = await reconcile(30);
    expect(retried).toHaveLength(1);
    const retry = await olga.runs.get({ id: retried[0]! });
    expect(origin(retry)).toEqual({
      trigger: "retry",
      origin: "automatic retry 1 of 3 after an infrastructure fault",
      attemptKind: "retry",
      attempt: 4,
    });
    expect(retry).toMatchObject({ triggerDetail: "1 of 3", previousRunId: queued!.id });
  });

  it("a schedule says its pattern; a push and a sync finding a new head each say which", async () => {
    const repo = await db().repository.findUniqueOrThrow({ where: { name: "origins" } });
    const [scheduled] = await runScheduledLane(repo.id, "nightly");
    expect(origin(await olga.runs.get({ id: scheduled! }))).toEqual({
      trigger: "schedule",
      origin: "scheduled (0 2 * * *)",
      attemptKind: "first",
      attempt: 1,
    });

    const pushedSha = target.commit({ "a.txt": "pushed\n" }, "a pushed commit");
    await syncRepository(repo, "push");
    const syncedSha = target.commit({ "b.txt": "synced\n" }, "a commit the periodic sync finds");
    await syncRepository(repo);
    const runs = await olga.runs.list({ repository: "origins", lane: "pushed" });
    const bySha = (sha: string) => runs.find((r) => r.commitSha === sha)!;
    expect(origin(bySha(pushedSha))).toEqual({
      trigger: "push",
      origin: "queued by push to main",
      attemptKind: "first",
      attempt: 1,
    });
    expect(origin(bySha(syncedSha))).toEqual({
      trigger: "sync",
      origin: "queued by sync: new head of main",
      attemptKind: "first",
      attempt: 1,
    });
  });

  it("the branch page's requesters label every run the same way, naming a person only for what a person asked", async () => {
    const all = await olga.runs.list({ repository: "origins", limit: 100 });
    const requesters = await olga.audit.requesters({ runIds: all.map((r) => r.id) });
    for (const r of all)
      expect(requesters[r.id]).toMatchObject({ trigger: r.trigger, label: r.origin, automatic: r.trigger === "retry" });
    const person = Object.values(requesters).filter((r) => r.person);
    expect(person.length).toBeGreaterThan(0);
    expect(new Set(person.map((r) => r.by))).toEqual(new Set(["olga"]));
    expect(
      Object.values(requesters)
        .filter((r) => r.automatic)
        .map((r) => r.label),
    ).toEqual(["automatic retry 1 of 3 after an infrastructure fault"]);
  });

  it("lane history says it too", async () => {
    const history = await olga.history.lane({ repository: "origins", lane: "hello" });
    expect(history.recent.map((r) => [r.attempt, r.trigger, r.origin])).toEqual([
      [4, "retry", "automatic retry 1 of 3 after an infrastructure fault"],
      [3, "missing", "rerun of what was missing by olga"],
      [2, "manual", "rerun by olga"],
      [1, "manual", "run by olga"],
    ]);
  });
});
