import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { handleBadge, handleReadinessJson } from "@proofboard/api";
import { createApiToken } from "@proofboard/auth";
import { db, disconnectDb, type Repository } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { ensureRepository, recordReadinessChanges, syncRepository } from "@proofboard/services";
import { serveApi, type ApiServer } from "../../apps/cli/testing/api-server";
import { callerAs, testUser } from "../support/callers";
import { catalogYaml, insertRun, makeRepo, resetDb } from "./helpers";
import { cliArgv } from "../support/cli";

/**
 * The readiness timeline over the API and the CLI, SVG badges and the versioned JSON document,
 * with hostile branch names (markup, quotes; control characters and overlong names refused).
 */
const root = path.resolve(import.meta.dirname, "../..");
const HOSTILE = `x/"><script>alert('1')</script>&amp;`;
const LONG = `long/${"n".repeat(240)}`;
let repo: Repository;
let api: ApiServer;
let viewerToken = "";
const mainRunIds: string[] = [];

const get = (handler: (req: Request) => Promise<Response>, url: string, headers: Record<string, string> = {}) =>
  handler(new Request(`http://proofboard.test${url}`, { headers }));
const badgePath = (branch: string) => `/badges/${branch.split("/").map(encodeURIComponent).join("/")}.svg`;

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "alpha", command: ["true"] },
      { name: "beta", command: ["true"] },
    ]),
  });
  target.git("update-ref", `refs/heads/${HOSTILE}`, "HEAD");
  target.git("checkout", "-q", "-b", "other");
  target.commit({ "o.txt": "1" }, "other commit");
  target.git("update-ref", `refs/heads/${LONG}`, "HEAD");
  target.git("checkout", "-q", "main");
  repo = await ensureRepository("httptest", target.dir);
  await syncRepository(repo);
  await recordReadinessChanges();
  const head = (await db().branch.findFirstOrThrow({ where: { repositoryId: repo.id, name: "main" } })).headSha;
  for (const lane of ["alpha", "beta"]) {
    const r = await insertRun({
      repositoryId: repo.id,
      sha: head,
      lane,
      status: "passed",
      queuedAt: new Date(Date.now() - 60_000),
    });
    mainRunIds.push(r.id);
    await recordReadinessChanges();
  }
  api = await serveApi();
  const viewer = await testUser("viewer", "http-viewer");
  viewerToken = (await createApiToken({ userId: viewer.id, name: "badges", scope: "read", days: 1, createdById: null }))
    .token;
});

afterEach(() => {
  delete process.env.PROOFBOARD_READ_ACCESS;
  resetEnvCache();
});

afterAll(async () => {
  await api?.close();
  await disconnectDb();
});

describe("readiness.timeline", () => {
  it("lists a branch's changes newest first, by gate, with the run and commit", async () => {
    const caller = await callerAs("viewer");
    const t = await caller.readiness.timeline({ branch: "main" });
    expect(t.changes.map((c) => [c.gate, c.ready, c.initial])).toEqual([
      [null, true, false],
      ["release", true, false],
      [null, false, true],
      ["release", false, true],
    ]);
    expect(t.changes[0]).toMatchObject({ runId: mainRunIds[1], commitSubject: "initial", missing: [] });
    expect(t.more).toBe(false);
    const page = await caller.readiness.timeline({ branch: "main", limit: 1 });
    expect(page.more).toBe(true);
    const next = await caller.readiness.timeline({ branch: "main", limit: 10, before: page.changes[0]!.id });
    expect(next.changes.length).toBe(3);
    expect(
      (await caller.readiness.timeline({ branch: "main", gate: null })).changes.every((c) => c.gate === null),
    ).toBe(true);
    expect((await caller.readiness.timeline({ branch: HOSTILE })).changes[0]!.branch).toBe(HOSTILE);
  });

  it("refuses unknown and malformed names", async () => {
    const caller = await callerAs("viewer");
    await expect(caller.readiness.timeline({ branch: "no-such" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.readiness.timeline({ branch: "main\u0000x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.readiness.timeline({ branch: "x".repeat(256) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.readiness.timeline({ branch: "main", before: "1 OR 1=1" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      cliArgv(args),
      {
        cwd: root,
        timeout: 60_000,
        env: {
          ...process.env,
          PROOFBOARD_API_URL: api.url,
          PROOFBOARD_REPOSITORY: "httptest",
          DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
          NO_COLOR: "1",
        },
      },
      (error, out, err) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out, err }),
    );
  });
}

describe("proofboard timeline", () => {
  it("prints the changes as a table, and as JSON", async () => {
    const r = await cli(["timeline", "main"]);
    expect(r.err).toBe("");
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toMatch(/^WHEN\s+WHAT\s+VERDICT\s+COMMIT\s+RUN\s+MISSING$/);
    expect(lines[1]).toMatch(new RegExp(`release-ready\\s+READY\\s+[0-9a-f]{7,} initial\\s+${mainRunIds[1]}\\s+-$`));
    expect(lines.at(-1)).toMatch(/gate release\s+NOT READY\s+start\s+[0-9a-f]{7,} initial\s+-\s+alpha, beta$/);
    const json = await cli(["timeline", "main", "--gate", "release", "--limit", "1", "--json"]);
    const t = JSON.parse(json.out) as { changes: { gate: string; ready: boolean }[]; more: boolean };
    expect(t.changes).toMatchObject([{ gate: "release", ready: true }]);
    expect(t.more).toBe(true);
  });

  it("keeps a hostile branch name data, and says what is unknown", async () => {
    const r = await cli(["timeline", "--", HOSTILE]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("release-ready");
    const unknown = await cli(["timeline", "no-such-branch"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown branch: "no-such-branch"');
    // a gate the branch's catalog does not have is a typo, not "no changes yet"
    for (const args of [
      ["--gate", "nosuch"],
      ["--gate", "nosuch", "--json"],
      ["--gate", HOSTILE],
    ]) {
      const typo = await cli(["timeline", "main", ...args]);
      expect([typo.code, typo.out], args.join(" ")).toEqual([2, ""]);
      expect(typo.err, args.join(" ")).toContain(`unknown gate: ${JSON.stringify(args[1])}`);
    }
    expect((await cli(["timeline", "main", "--limit", "0"])).code).toBe(2);
  });
});

describe("badges", () => {
  it("says release ready / not ready per branch and per gate, short-cached", async () => {
    const res = await get(handleBadge, badgePath("main"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=30");
    expect(await res.text()).toContain("<title>release: ready</title>");
    expect(await (await get(handleBadge, `${badgePath("main")}?gate=release`)).text()).toContain(
      "<title>release: ready</title>",
    );
    expect(await (await get(handleBadge, badgePath(LONG))).text()).toContain("<title>release: not ready</title>");
    const noGate = await get(handleBadge, `${badgePath("main")}?gate=nope`);
    expect(noGate.status).toBe(404);
    expect(await noGate.text()).toContain("<title>nope: no such gate</title>");
  });

  it("keeps hostile names out of the markup; refuses control characters and overlong names; 404 for unknown branches", async () => {
    const res = await get(handleBadge, `${badgePath(HOSTILE)}?gate=${encodeURIComponent(`<g onload="x">`)}`);
    const body = await res.text();
    expect(res.status).toBe(404);
    expect(body).not.toMatch(/<script|<g onload/);
    expect(body).toContain("&#60;g onload=&#34;x&#34;&#62;");
    expect((await get(handleBadge, badgePath(HOSTILE))).status).toBe(200);
    expect((await get(handleBadge, "/badges/main%00x.svg")).status).toBe(400);
    expect((await get(handleBadge, "/badges/main.svg?gate=a%1bb")).status).toBe(400);
    expect((await get(handleBadge, badgePath("x".repeat(300)))).status).toBe(400);
    const unknown = await get(handleBadge, badgePath("no/such-branch"));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("cache-control")).toBe("no-store");
    expect(await unknown.text()).toContain("no such branch");
    expect((await get(handleBadge, "/badges/main")).status).toBe(404);
    expect((await get(handleBadge, "/badges/%E0%A4%A.svg")).status).toBe(404);
  });

  it("needs a read token when reads need a login", async () => {
    process.env.PROOFBOARD_READ_ACCESS = "login";
    resetEnvCache();
    const anonymous = await get(handleBadge, badgePath("main"));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
    expect((await get(handleBadge, badgePath("main"), { authorization: "Bearer pb_nonsense" })).status).toBe(401);
    const ok = await get(handleBadge, badgePath("main"), { authorization: `Bearer ${viewerToken}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("private, max-age=30");
  });
});

describe("GET /api/v1/readiness", () => {
  type Doc = {
    version: number;
    repository: string;
    branch: string;
    commit: { sha: string; subject: string | null };
    releaseReady: boolean;
    gates: {
      id: string;
      name: string;
      release: boolean;
      ready: boolean;
      missing: string[];
      lanes: { lane: string; state: string; runId: string | null; runUrl: string | null; finishedAt: string | null }[];
    }[];
    generatedAt: string;
  };

  it("answers the versioned document, with run links", async () => {
    const res = await get(handleReadinessJson, "/api/v1/readiness?branch=main");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const doc = (await res.json()) as Doc;
    expect(doc).toMatchObject({
      version: 1,
      repository: "httptest",
      branch: "main",
      commit: { subject: "initial" },
      releaseReady: true,
    });
    expect(doc.commit.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(doc.gates).toHaveLength(1);
    expect(doc.gates[0]).toMatchObject({ id: "release", name: "Release", release: true, ready: true, missing: [] });
    expect(doc.gates[0]!.lanes.map((l) => [l.lane, l.state, l.runId, l.runUrl])).toEqual([
      ["alpha", "passed", mainRunIds[0], `http://proofboard.test/runs/${mainRunIds[0]}`],
      ["beta", "passed", mainRunIds[1], `http://proofboard.test/runs/${mainRunIds[1]}`],
    ]);
    expect(Date.parse(doc.generatedAt)).toBeGreaterThan(0);
    // links follow the address the client used (a proxy's forwarded host and scheme), never a header that is not a host
    const proxied = (await (
      await get(handleReadinessJson, "/api/v1/readiness?branch=main", {
        "x-forwarded-host": "pb.example:8443",
        "x-forwarded-proto": "https",
      })
    ).json()) as Doc;
    expect(proxied.gates[0]!.lanes[0]!.runUrl).toBe(`https://pb.example:8443/runs/${mainRunIds[0]}`);
    const spoofed = (await (
      await get(handleReadinessJson, "/api/v1/readiness?branch=main", {
        "x-forwarded-host": `evil"/><x`,
        "x-forwarded-proto": "javascript",
      })
    ).json()) as Doc;
    expect(spoofed.gates[0]!.lanes[0]!.runUrl).toBe(`http://proofboard.test/runs/${mainRunIds[0]}`);
    const other = (await (
      await get(handleReadinessJson, `/api/v1/readiness?branch=${encodeURIComponent(LONG)}&repository=httptest`)
    ).json()) as Doc;
    expect(other).toMatchObject({ branch: LONG, releaseReady: false, commit: { subject: "other commit" } });
    expect(other.gates[0]!.missing).toEqual(["alpha", "beta"]);
    expect(other.gates[0]!.lanes[0]).toEqual({
      lane: "alpha",
      state: "never-run",
      runId: null,
      runUrl: null,
      finishedAt: null,
    });
  });

  it("keeps a hostile name data; 400 for malformed names, 404 for unknown ones", async () => {
    const res = await get(handleReadinessJson, `/api/v1/readiness?branch=${encodeURIComponent(HOSTILE)}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Doc).branch).toBe(HOSTILE);
    for (const q of [
      "",
      "?branch=",
      "?branch=a%00b",
      `?branch=${"x".repeat(256)}`,
      "?branch=main&repository=%07",
      // escapes that spell no UTF-8, which URLSearchParams would quietly read as U+FFFD
      "?branch=%ff",
      "?branch=main%zz",
      "?branch=%C0%AE%C0%AE",
      "?branch=main&gate=%",
    ]) {
      const bad = await get(handleReadinessJson, `/api/v1/readiness${q}`);
      expect(bad.status, q).toBe(400);
      const { error } = (await bad.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("bad_request");
      expect(error.message, q).not.toContain("\uFFFD");
    }
    expect((await get(handleBadge, "/badges/main.svg?gate=%ff")).status).toBe(400);
    const missing = await get(handleReadinessJson, "/api/v1/readiness?branch=no-such-branch");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      version: 1,
      error: { code: "not_found", message: 'unknown branch: "no-such-branch"' },
    });
    expect((await get(handleReadinessJson, "/api/v1/readiness?branch=main&repository=nope")).status).toBe(404);
  });

  it("needs a read token when reads need a login", async () => {
    process.env.PROOFBOARD_READ_ACCESS = "login";
    resetEnvCache();
    expect((await get(handleReadinessJson, "/api/v1/readiness?branch=main")).status).toBe(401);
    expect(
      (await get(handleReadinessJson, "/api/v1/readiness?branch=main", { authorization: `Bearer ${viewerToken}` }))
        .status,
    ).toBe(200);
  });
});
