import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "@proofboard/db";
import { ensureRepository, syncRepository } from "@proofboard/services";
import { catalogYaml, makeRepo, resetDb } from "./helpers";
import { operatorCaller } from "../support/callers";

/**
 * Names from a URL reach the API as typed. A NUL used to reach PostgreSQL ("invalid byte sequence
 * for encoding UTF8: 0x00"), surface as INTERNAL_SERVER_ERROR and be retried by the web client
 * forever; control characters and oversized names are now refused at the input as BAD_REQUEST.
 */
const HOSTILE = {
  nul: "main\u0000x",
  escape: "main\u001b[31m",
  newline: "main\nx",
  del: "main\u007f",
  "10 kB": "a".repeat(10_000),
};

const caller = await operatorCaller("test");

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({ "proofboard.yaml": catalogYaml([{ name: "alpha", command: ["true"] }], ["alpha"]) });
  target.git("branch", "rtl-\u202Egnp.exe");
  await syncRepository(await ensureRepository("itest", target.dir));
});

afterAll(async () => {
  await disconnectDb();
});

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (err) {
    // a TRPCError (tests have no direct @trpc/server dependency): its code, else what was thrown
    const code = (err as { code?: unknown }).code;
    return err instanceof Error && err.name === "TRPCError" && typeof code === "string"
      ? code
      : `not a TRPCError: ${String(err)}`;
  }
}

describe("hostile names at the API's input", () => {
  for (const [what, name] of Object.entries(HOSTILE)) {
    it(`answers BAD_REQUEST for a name with ${what}`, async () => {
      expect(await codeOf(caller.branches.get({ name }))).toBe("BAD_REQUEST");
      expect(await codeOf(caller.branches.metrics({ name }))).toBe("BAD_REQUEST");
      expect(await codeOf(caller.runs.get({ id: name }))).toBe("BAD_REQUEST");
      expect(await codeOf(caller.history.lane({ lane: name }))).toBe("BAD_REQUEST");
      expect(await codeOf(caller.history.lane({ lane: "alpha", branch: name }))).toBe("BAD_REQUEST");
      expect(await codeOf(caller.history.branchGrid({ branch: name }))).toBe("BAD_REQUEST");
      expect(await codeOf(caller.runs.list({ branch: name }))).toBe("BAD_REQUEST");
      expect(await codeOf(caller.runs.rerun({ branch: name, lane: "alpha" }))).toBe("BAD_REQUEST");
    });
  }

  it("still finds names that are odd but legal, and says NOT_FOUND for unknown ones", async () => {
    expect((await caller.branches.get({ name: "main" })).name).toBe("main");
    // A bidi override is legal in git: shown escaped by the web, never refused here.
    expect((await caller.branches.get({ name: "rtl-\u202Egnp.exe" })).name).toBe("rtl-\u202Egnp.exe");
    expect((await caller.history.lane({ lane: "alpha", branch: "main" })).recent).toEqual([]);
    expect(await codeOf(caller.branches.get({ name: "no-such-branch" }))).toBe("NOT_FOUND");
    expect(await codeOf(caller.runs.get({ id: "00000000-0000-0000-0000-000000000000" }))).toBe("NOT_FOUND");
    expect(await codeOf(caller.history.lane({ lane: "no-such-lane" }))).toBe("NOT_FOUND");
  });
});
