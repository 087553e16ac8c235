import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext, handleConsoleDownload } from "@proofboard/api";
import { createSession, createUser, type AuthUser } from "@proofboard/auth";
import { db, disconnectDb } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { ensureRepository } from "@proofboard/services";
import { insertRun, resetDb } from "./helpers";

/** API tokens (scopes, expiry, revocation, who may make which) and held runs belonging to their holder. */

const PASSWORD = "correct horse battery";
const users: Record<string, AuthUser & { cookie: string }> = {};

async function as(auth: { cookie?: string; token?: string } = {}) {
  const headers: Record<string, string> = {};
  if (auth.cookie) headers.cookie = auth.cookie;
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  return appRouter.createCaller(
    await createContext({ req: new Request("http://x/api/trpc", { headers }), resHeaders: new Headers() }),
  );
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: "OK", message: "" };
  } catch (e) {
    return { code: String((e as { code?: unknown }).code), message: (e as Error).message };
  }
}

let repositoryId = "";

beforeAll(async () => {
  await resetDb();
  await db().$executeRawUnsafe(`DELETE FROM "api_token"`);
  for (const [name, role] of [
    ["tok-olga", "operator"],
    ["tok-oscar", "operator"],
    ["tok-vic", "viewer"],
    ["tok-ada", "admin"],
  ] as const) {
    await db().user.deleteMany({ where: { name } });
    const user = await createUser({ name, password: PASSWORD, role });
    users[name] = { ...user, cookie: `pb_session=${await createSession(user.id)}` };
  }
  repositoryId = (await ensureRepository("tokentest", "/nonexistent")).id;
});

afterAll(async () => {
  delete process.env.PROOFBOARD_READ_ACCESS;
  resetEnvCache();
  await closeQueues();
  await disconnectDb();
});

describe("API tokens", () => {
  it("trades a password for a token shown once and stored only as a hash, scoped to the role", async () => {
    const anon = await as();
    const made = await anon.auth.issueToken({ name: "tok-olga", password: PASSWORD, tokenName: "laptop cli" });
    expect(made.token).toMatch(/^pb_[A-Za-z0-9_-]{43}$/);
    expect(made.info).toMatchObject({
      user: "tok-olga",
      name: "laptop cli",
      scope: "operate",
      prefix: made.token.slice(0, 10),
    });
    const rows = await db().$queryRawUnsafe<unknown[]>(`SELECT * FROM api_token`);
    expect(JSON.stringify(rows)).not.toContain(made.token);
    expect(JSON.stringify(rows)).not.toContain(made.token.slice(10));
    const me = await (await as({ token: made.token })).auth.me();
    expect(me).toMatchObject({
      name: "tok-olga",
      role: "operator",
      actingRole: "operator",
      token: { scope: "operate" },
    });
    expect(
      (await failure(anon.auth.issueToken({ name: "tok-olga", password: "wrong password!", tokenName: "x" }))).code,
    ).toBe("UNAUTHORIZED");
    // A viewer's password buys a read token, and asking for more is refused with the reason.
    expect((await anon.auth.issueToken({ name: "tok-vic", password: PASSWORD, tokenName: "ci" })).info.scope).toBe(
      "read",
    );
    expect(
      await failure(anon.auth.issueToken({ name: "tok-vic", password: PASSWORD, tokenName: "ci", scope: "operate" })),
    ).toEqual({
      code: "FORBIDDEN",
      message: expect.stringMatching(/tok-vic is a viewer: their tokens may have the read scope at most/),
    });
  });

  it("lets a read token read and not act; an operate token acts", async () => {
    const olga = await as({ cookie: users["tok-olga"]!.cookie });
    const read = (await olga.tokens.create({ name: "dashboards", scope: "read", days: 30 })).token;
    const operate = (await olga.tokens.create({ name: "release bot", scope: "operate" })).token;
    const reader = await as({ token: read });
    expect(Array.isArray(await reader.runs.list({ repository: "tokentest" }))).toBe(true);
    expect(await failure(reader.runs.rerun({ branch: "main", lane: "x" }))).toEqual({
      code: "FORBIDDEN",
      message: expect.stringMatching(
        /^tok-olga \(operator, with a read token\) may not do this: runs.rerun needs an operator; use a token with the operate scope/,
      ),
    });
    // Past the access check: the made-up branch is what stops it.
    expect(
      (await failure((await as({ token: operate })).runs.rerun({ repository: "tokentest", branch: "main", lane: "x" })))
        .code,
    ).not.toMatch(/UNAUTHORIZED|FORBIDDEN/);
    // A read token cannot mint a wider one.
    expect((await failure(reader.tokens.create({ name: "escalate", scope: "operate" }))).message).toMatch(
      /a read token cannot make an operate token/,
    );
  });

  it("stops counting a token once it expires or is revoked, and says which", async () => {
    const olga = await as({ cookie: users["tok-olga"]!.cookie });
    const a = await olga.tokens.create({ name: "short", scope: "read", days: 1 });
    const b = await olga.tokens.create({ name: "revoked", scope: "read", days: 1 });
    await db().apiToken.update({ where: { id: a.info.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await olga.tokens.revoke({ id: b.info.id });
    for (const [token, word] of [
      [a.token, "expired"],
      [b.token, "revoked"],
      [`pb_${"A".repeat(43)}`, "unknown API token"],
      ["pb_x'; DROP TABLE api_token; --", "is not `Bearer pb_…`"],
      ["pb_x';DROP", "not a Proofboard API token"],
    ] as const) {
      const got = await failure((await as({ token })).runs.list({}));
      expect(got.code, word).toBe("UNAUTHORIZED");
      expect(got.message, word).toContain(word);
      expect(got.message).toContain("proofboard login");
    }
    const listed = await olga.tokens.list();
    expect(listed.find((t) => t.id === b.info.id)?.revokedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(listed)).not.toMatch(/"hash"/);
  });

  it("keeps people to their own tokens; an admin manages anyone's", async () => {
    const oscar = await as({ cookie: users["tok-oscar"]!.cookie });
    const ada = await as({ cookie: users["tok-ada"]!.cookie });
    const olgas = await (await as({ cookie: users["tok-olga"]!.cookie })).tokens.list();
    expect((await failure(oscar.tokens.revoke({ id: olgas[0]!.id }))).message).toMatch(
      /tok-oscar \(operator\) may not revoke someone else's token: that needs an admin/,
    );
    expect((await failure(oscar.tokens.list({ user: "tok-olga" }))).code).toBe("FORBIDDEN");
    expect((await failure(oscar.tokens.create({ name: "for olga", scope: "read", user: "tok-olga" }))).code).toBe(
      "FORBIDDEN",
    );
    const forOlga = await ada.tokens.create({ name: "from ada", scope: "read", user: "tok-olga" });
    expect(forOlga.info).toMatchObject({ user: "tok-olga", createdBy: "tok-ada" });
    // Not even an admin gives a viewer an operate token.
    expect((await failure(ada.tokens.create({ name: "x", scope: "operate", user: "tok-vic" }))).code).toBe("FORBIDDEN");
    await ada.tokens.revoke({ id: olgas[0]!.id });
    expect((await ada.tokens.list({ user: "*" })).length).toBeGreaterThan(olgas.length);
  });

  it("guards console downloads like reads, token or cookie, when reads need a login", async () => {
    const run = await insertRun({
      repositoryId,
      sha: "b".repeat(40),
      lane: "hello",
      status: "passed",
      queuedAt: new Date(),
    });
    const url = `http://x/api/runs/${run.id}/consoles/harness/raw`;
    const viewerToken = (
      await (await as({ cookie: users["tok-vic"]!.cookie })).tokens.create({ name: "dl", scope: "read" })
    ).token;
    process.env.PROOFBOARD_READ_ACCESS = "login";
    resetEnvCache();
    try {
      const anon = await handleConsoleDownload(new Request(url), run.id, "harness");
      expect(anon.status).toBe(401);
      expect(await anon.text()).toMatch(/^not logged in: downloading a console needs a login/);
      const withToken = await handleConsoleDownload(
        new Request(url, { headers: { authorization: `Bearer ${viewerToken}` } }),
        run.id,
        "harness",
      );
      expect(withToken.status).toBe(404); // known caller; this run simply has no harness console
      const withCookie = await handleConsoleDownload(
        new Request(url, { headers: { cookie: users["tok-vic"]!.cookie } }),
        run.id,
        "harness",
      );
      expect(withCookie.status).toBe(404);
      expect((await failure((await as()).branches.list())).code).toBe("UNAUTHORIZED");
    } finally {
      delete process.env.PROOFBOARD_READ_ACCESS;
      resetEnvCache();
    }
  });
});

describe("held runs belong to their holder", () => {
  it("lets only the holder or an admin cancel a held run or end its hold", async () => {
    const run = await insertRun({
      repositoryId,
      sha: "c".repeat(40),
      lane: "vm",
      status: "running",
      queuedAt: new Date(),
    });
    await db().run.update({
      where: { id: run.id },
      data: { heldById: users["tok-olga"]!.id, holdUntil: new Date(Date.now() + 600_000) },
    });
    const oscar = await as({ cookie: users["tok-oscar"]!.cookie });
    expect(await failure(oscar.runs.cancel({ id: run.id }))).toEqual({
      code: "FORBIDDEN",
      message: "tok-oscar (operator) may not cancel it: tok-olga holds this run's VMs; only tok-olga or an admin may",
    });
    expect((await failure(oscar.runs.endHold({ id: run.id }))).code).toBe("FORBIDDEN");
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).cancelRequestedAt).toBeNull();
    const ada = await as({ cookie: users["tok-ada"]!.cookie });
    expect((await ada.runs.cancel({ id: run.id })).id).toBe(run.id);
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).cancelRequestedAt).not.toBeNull();
  });
});
