import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb, type Run } from "@proofboard/db";
import type { RunStatus } from "@proofboard/domain";
import { ensureRepository, registerHost, syncRepository } from "@proofboard/services";
import { catalogYaml, insertRun, makeRepo, resetDb } from "./helpers";
import { callerAs } from "../support/callers";

/**
 * The runs list's filters (issue #11): status (with the "failed" group), lane, branch, who started
 * it, the host it ran on, and keyset paging under every filter, against real PostgreSQL. Hostile
 * values are refused as BAD_REQUEST or match nothing; none reaches the database as anything but data.
 */
const viewer = await callerAs("viewer", "runs-viewer");
let repositoryId: string;
const sha = "a".repeat(40);
const made: Run[] = [];

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

async function run(
  status: RunStatus,
  o: { lane?: string; branch?: string; trigger?: string; by?: string | null; host?: string; at?: number } = {},
) {
  const r = await insertRun({
    repositoryId,
    sha,
    lane: o.lane ?? "alpha",
    branch: o.branch ?? "main",
    status,
    queuedAt: new Date(Date.UTC(2026, 10, 1) + (o.at ?? made.length) * 60_000),
  });
  const host = o.host ? await db().host.findUniqueOrThrow({ where: { name: o.host } }) : null;
  const updated = await db().run.update({
    where: { id: r.id },
    data: { trigger: o.trigger ?? "manual", requestedBy: o.by === undefined ? "olga" : o.by, hostId: host?.id ?? null },
  });
  made.push(updated);
  return updated;
}

const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id).sort();
const expected = (pick: (r: Run) => boolean) => ids(made.filter(pick));
const list = (input: Parameters<typeof viewer.runs.list>[0]) => viewer.runs.list({ limit: 500, ...input });

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "alpha", command: ["true"] },
      { name: "beta", command: ["true"] },
    ]),
  });
  target.git("branch", "release/1.2");
  const repo = await ensureRepository("filters", target.dir);
  await syncRepository(repo);
  repositoryId = repo.id;
  await registerHost({ name: "kvm-01", classes: ["kvm", "tcg"], capabilities: {}, slots: 2 });
  await registerHost({ name: "tcg-07", classes: ["tcg"], capabilities: {}, slots: 2 });

  await run("passed", { host: "kvm-01" });
  await run("failed", { host: "kvm-01", lane: "beta" });
  await run("timed_out", { host: "tcg-07", trigger: "push", by: "push" });
  await run("lost", { host: "tcg-07", trigger: "retry", by: "retry" });
  await run("error", { branch: "release/1.2", trigger: "schedule", by: "schedule" });
  await run("canceled", { by: "push", branch: "release/1.2" });
  await run("skipped", { trigger: "sync", by: "sync", lane: "beta" });
  await run("queued", { trigger: "missing", by: "mira" });
  await run("running", { host: "tcg-07", by: "mira", lane: "beta" });
  await run("passed", { host: "tcg-07", trigger: "push", by: "push", branch: "release/1.2" });
  // three runs queued in the same millisecond: a page boundary between them must still be exact
  for (const lane of ["alpha", "beta", "alpha"]) await run("failed", { at: 100, lane, trigger: "sync", by: "sync" });
});

afterAll(async () => {
  await disconnectDb();
});

describe("status filter", () => {
  it("status=failed lists failed, timed out, lost and errored runs, never a passed one", async () => {
    const rows = await list({ repository: "filters", status: "failed" });
    expect(ids(rows)).toEqual(expected((r) => ["failed", "timed_out", "lost", "error"].includes(r.status)));
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["failed", "timed_out", "lost", "error"]));
  });

  it("takes the other groups, single statuses and comma lists", async () => {
    expect(ids(await list({ status: "active" }))).toEqual(
      expected((r) => ["waiting", "queued", "running"].includes(r.status)),
    );
    expect(ids(await list({ status: "stopped" }))).toEqual(
      expected((r) => ["canceled", "skipped", "unsupported"].includes(r.status)),
    );
    expect(ids(await list({ status: "passed" }))).toEqual(expected((r) => r.status === "passed"));
    expect(ids(await list({ status: "timed_out,lost" }))).toEqual(
      expected((r) => ["timed_out", "lost"].includes(r.status)),
    );
  });

  it("refuses a status that is no filter, naming the valid ones", async () => {
    for (const status of [
      "nope",
      "failed' OR '1'='1",
      "passed;DROP TABLE run",
      "failed\u0000",
      "x".repeat(5000),
      ",",
      "",
    ]) {
      expect(await codeOf(list({ status }))).toBe("BAD_REQUEST");
    }
    await expect(list({ status: "bogus" })).rejects.toThrow(
      /status must be one or more of failed, active, stopped, waiting/,
    );
  });
});

describe("lane and branch filters", () => {
  it("narrow to one lane, one branch, and both with a status", async () => {
    expect(ids(await list({ lane: "beta" }))).toEqual(expected((r) => r.lane === "beta"));
    expect(ids(await list({ branch: "release/1.2" }))).toEqual(expected((r) => r.branchName === "release/1.2"));
    expect(ids(await list({ branch: "main", lane: "beta", status: "failed" }))).toEqual(
      expected(
        (r) =>
          r.branchName === "main" && r.lane === "beta" && ["failed", "timed_out", "lost", "error"].includes(r.status),
      ),
    );
  });

  it("an unknown branch is NOT_FOUND; an unknown lane matches nothing; hostile ones are BAD_REQUEST", async () => {
    expect(await codeOf(list({ branch: "no-such-branch" }))).toBe("NOT_FOUND");
    expect(await list({ lane: "'; DELETE FROM run; --" })).toEqual([]);
    for (const name of ["main\u0000x", "main\u001b[31m", "x".repeat(300)]) {
      expect(await codeOf(list({ branch: name }))).toBe("BAD_REQUEST");
      expect(await codeOf(list({ lane: name }))).toBe("BAD_REQUEST");
    }
    expect(await db().run.count()).toBe(made.length);
  });
});

describe("requester filter", () => {
  it("a person's name lists what they asked for (reruns and reruns of what was missing), not a trigger's runs", async () => {
    expect(ids(await list({ requester: "olga" }))).toEqual(
      expected((r) => ["manual", "missing"].includes(r.trigger) && r.requestedBy === "olga"),
    );
    expect(ids(await list({ requester: "mira" }))).toEqual(expected((r) => r.requestedBy === "mira"));
  });

  it("a trigger kind lists what it queued; user:NAME is a person named like one", async () => {
    expect(ids(await list({ requester: "push" }))).toEqual(expected((r) => r.trigger === "push"));
    expect(ids(await list({ requester: "retry" }))).toEqual(expected((r) => r.trigger === "retry"));
    expect(ids(await list({ requester: "schedule", status: "failed" }))).toEqual(
      expected((r) => r.trigger === "schedule"),
    );
    // the canceled run was asked for by a person whose name is "push"
    expect(ids(await list({ requester: "user:push" }))).toEqual(
      expected((r) => r.trigger === "manual" && r.requestedBy === "push"),
    );
  });

  it("hostile requesters match nothing or are BAD_REQUEST", async () => {
    expect(await list({ requester: "olga' OR '1'='1" })).toEqual([]);
    expect(await list({ requester: "%" })).toEqual([]);
    expect(await list({ requester: "user:" })).toEqual([]);
    for (const requester of ["olga\u0000", "olga\n", "\u007f", "o".repeat(201), ""]) {
      expect(await codeOf(list({ requester }))).toBe("BAD_REQUEST");
    }
  });
});

describe("host filter and host names", () => {
  it("lists the runs a host ran, each with the host's name; a queued run has none yet", async () => {
    const tcg = await db().host.findUniqueOrThrow({ where: { name: "tcg-07" } });
    const rows = await list({ host: "tcg-07" });
    expect(ids(rows)).toEqual(expected((r) => r.hostId === tcg.id));
    expect(rows.length).toBe(4);
    expect(new Set(rows.map((r) => r.hostName))).toEqual(new Set(["tcg-07"]));
    const queued = (await list({ status: "queued" }))[0]!;
    expect(queued).toMatchObject({ hostName: null, hostClass: "tcg" });
  });

  it("an unknown host matches nothing; a hostile one is BAD_REQUEST", async () => {
    expect(await list({ host: "nowhere" })).toEqual([]);
    expect(await list({ host: "kvm-01' --" })).toEqual([]);
    for (const host of ["kvm\u0000", "kvm\r", "h".repeat(1000)])
      expect(await codeOf(list({ host }))).toBe("BAD_REQUEST");
  });
});

describe("paging under filters", () => {
  async function allPages(filter: Parameters<typeof viewer.runs.list>[0], limit: number) {
    const pages: string[][] = [];
    let before: string | undefined;
    for (;;) {
      const page = await viewer.runs.list({ ...filter, limit, before });
      if (page.length === 0) break;
      pages.push(page.map((r) => r.id));
      before = page.at(-1)!.id;
    }
    return pages;
  }

  it("walks every run exactly once, newest first, across runs queued in the same millisecond", async () => {
    for (const [filter, limit] of [
      [{}, 2],
      [{ status: "failed" }, 2],
      [{ status: "failed", lane: "alpha" }, 1],
      [{ requester: "sync" }, 3],
    ] as const) {
      const whole = (await viewer.runs.list({ ...filter, limit: 500 })).map((r) => r.id);
      const pages = await allPages(filter, limit);
      expect(pages.flat()).toEqual(whole);
      expect(pages.every((p) => p.length <= limit)).toBe(true);
    }
  });

  it("a cursor that is no run is NOT_FOUND; a hostile one is BAD_REQUEST", async () => {
    expect(await codeOf(list({ before: "not-a-run" }))).toBe("NOT_FOUND");
    expect(await codeOf(list({ before: "00000000-0000-0000-0000-000000000000" }))).toBe("NOT_FOUND");
    expect(await codeOf(list({ before: "x\u0000" }))).toBe("BAD_REQUEST");
    expect(await codeOf(list({ before: "f".repeat(65) }))).toBe("BAD_REQUEST");
  });
});
