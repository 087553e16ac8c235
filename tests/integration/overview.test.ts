import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "@proofboard/db";
import { ensureRepository, syncRepository } from "@proofboard/services";
import { catalogYaml, makeRepo, resetDb } from "./helpers";
import { operatorCaller } from "../support/callers";

const caller = await operatorCaller("test");
/** Branch names with LIKE and shell metacharacters: a filter is plain text, never a pattern. */
const PERCENT = "feature/100%_done";
const SHELL = "fix/$(touch${IFS}pwned)";

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({ "proofboard.yaml": catalogYaml([{ name: "alpha", command: ["true"] }]) });
  for (const name of [
    "release/2026.10",
    "feature/Fiberlb-probe",
    PERCENT,
    "feature/1000-done",
    SHELL,
    "release/2026.11",
  ]) {
    target.git("checkout", "-q", "-b", name, "main");
    target.commit({ [`${name.replace(/[^a-z0-9]/gi, "_")}.txt`]: name }, `work on ${name}`);
  }
  target.git("checkout", "-q", "main");
  const repo = await ensureRepository("itest", target.dir);
  await syncRepository(repo);
});

afterAll(async () => {
  await disconnectDb();
});

describe("branches.list", () => {
  it("orders main, then release branches, then the rest; limit cuts, total counts them all", async () => {
    const all = await caller.branches.list();
    expect(all.total).toBe(7);
    expect(all.branches.map((b) => b.name).slice(0, 3)).toEqual(["main", "release/2026.11", "release/2026.10"]);
    const page = await caller.branches.list({ limit: 2 });
    expect(page.total).toBe(7);
    expect(page.branches.map((b) => b.name)).toEqual(["main", "release/2026.11"]);
    // Each row carries what the overview shows: its gates and their lanes' state.
    expect(page.branches[0]!.gates[0]).toMatchObject({
      id: "release",
      release: true,
      green: false,
      missing: ["alpha"],
    });
    expect(page.branches[0]!.gates[0]!.lanes[0]).toEqual({
      lane: "alpha",
      state: "never-run",
      flaky: false,
      headRun: null,
      rerun: null,
      stalePass: null,
    });
  });

  it("filters by plain, case-insensitive text in the name: % and _ are characters, not wildcards", async () => {
    const names = async (filter: string) => (await caller.branches.list({ filter })).branches.map((b) => b.name);
    expect(await names("FIBERLB")).toEqual(["feature/Fiberlb-probe"]);
    expect(await names("100%_")).toEqual([PERCENT]);
    expect(await names("%")).toEqual([PERCENT]);
    expect(await names("_")).toEqual([PERCENT]);
    expect(await names("$(touch")).toEqual([SHELL]);
    expect(await names("'; DROP TABLE branch; --")).toEqual([]);
    expect((await caller.branches.list({ filter: "nothing-like-this" })).total).toBe(0);
    expect((await caller.branches.list()).total).toBe(7);
  });

  it("refuses a filter or limit out of bounds with a clear error", async () => {
    await expect(caller.branches.list({ filter: "x".repeat(256) })).rejects.toThrow(/too_big|at most 255|255/i);
    await expect(caller.branches.list({ limit: 0 })).rejects.toThrow(/too_small|>=1|at least/i);
    // A NUL from `/?q=%00` (the page passes ?q= on, server-side too) is refused, not an internal error from PostgreSQL.
    await expect(caller.branches.list({ filter: "main\u0000x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
