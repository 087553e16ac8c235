import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext, operatorProcedure, router } from "@proofboard/api";
import { db, disconnectDb } from "@proofboard/db";
import { createSession, createUser, hashPassword, login, userForToken, verifyPassword } from "@proofboard/auth";

/** Accounts, sessions and the operator gate, on the real test database and through real tRPC callers. */

const root = path.resolve(import.meta.dirname, "../..");
const PASSWORD = "correct horse battery";

/** A caller as the web route builds it: the Cookie header in, Set-Cookie out through resHeaders. */
async function callerWith(cookie?: string) {
  const resHeaders = new Headers();
  const req = new Request("http://x/api/trpc", { headers: cookie ? { cookie } : {} });
  return { caller: appRouter.createCaller(await createContext({ req, resHeaders })), resHeaders };
}

const gated = router({ x: operatorProcedure.query(() => 1) });

async function gatedAs(cookie?: string) {
  const resHeaders = new Headers();
  const req = new Request("http://x/api/trpc", { headers: cookie ? { cookie } : {} });
  return gated.createCaller(await createContext({ req, resHeaders }));
}

/** By name and code: @trpc/server resolves from packages/api, not from the repository root. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof Error && e.name === "TRPCError") return String((e as Error & { code: unknown }).code);
    throw e;
  }
}

/** The pb_session pair from a Set-Cookie value, ready to send back as a Cookie header. */
function cookiePair(setCookie: string | null): string {
  const pair = setCookie?.split(";")[0];
  if (!pair?.startsWith("pb_session=")) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  return pair;
}

beforeAll(async () => {
  // DELETE rather than TRUNCATE ... CASCADE: run.held_by_id references "user", so a cascading
  // truncate would also empty run, console and console_chunk under other suites' data.
  await db().$executeRawUnsafe(`DELETE FROM "session"`);
  // Operations keep their requester (ON DELETE RESTRICT): a suite that ran operations may have left some.
  await db().$executeRawUnsafe(`DELETE FROM "operation"`);
  await db().$executeRawUnsafe(`DELETE FROM "user"`);
  await createUser({ name: "olga", password: PASSWORD, role: "operator" });
  await createUser({ name: "vic", password: PASSWORD, role: "viewer" });
  await createUser({ name: "ada", password: PASSWORD, role: "admin" });
});

afterAll(async () => {
  await disconnectDb();
});

describe("passwords and sessions", () => {
  it("hashes with scrypt and verifies only the right password", async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash.startsWith("scrypt$16384$8$1$")).toBe(true);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, hash)).toBe(false);
    const stored = await db().user.findUniqueOrThrow({ where: { name: "olga" } });
    expect(stored.passwordHash).not.toContain(PASSWORD);
  });

  it("refuses bad names, short passwords and taken names with a message", async () => {
    await expect(createUser({ name: "Olga", password: PASSWORD, role: "viewer" })).rejects.toThrow(/invalid user name/);
    await expect(createUser({ name: "new", password: "short", role: "viewer" })).rejects.toThrow(/at least 8/);
    await expect(createUser({ name: "olga", password: PASSWORD, role: "viewer" })).rejects.toThrow(/already exists/);
  });

  it("logs in to a session whose token resolves to the user, storing only its hash", async () => {
    const token = await login("olga", PASSWORD);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await userForToken(token)).toMatchObject({ name: "olga", role: "operator" });
    const id = createHash("sha256")
      .update(token ?? "")
      .digest("hex");
    const session = await db().session.findUniqueOrThrow({ where: { id } });
    const days = (session.expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
    expect(await db().session.count({ where: { id: token ?? "" } })).toBe(0);
  });

  it("answers an unknown user and a wrong password alike", async () => {
    expect(await login("olga", "wrong password")).toBeNull();
    expect(await login("nobody", PASSWORD)).toBeNull();
  });

  it("refuses and removes an expired session", async () => {
    const user = await db().user.findUniqueOrThrow({ where: { name: "olga" } });
    const token = await createSession(user.id);
    const id = createHash("sha256").update(token).digest("hex");
    await db().session.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await userForToken(token)).toBeNull();
    expect(await db().session.count({ where: { id } })).toBe(0);
  });
});

describe("auth router and the operator gate", () => {
  it("knows nobody without a cookie, or with a forged one", async () => {
    expect(await (await callerWith()).caller.auth.me()).toBeNull();
    expect(await (await callerWith(`pb_session=${"A".repeat(43)}`)).caller.auth.me()).toBeNull();
    expect(await (await callerWith("pb_session=' OR 1=1 --")).caller.auth.me()).toBeNull();
  });

  it("sets an HttpOnly session cookie on login that later requests are recognised by", async () => {
    const { caller, resHeaders } = await callerWith();
    expect(await caller.auth.login({ name: "olga", password: PASSWORD })).toMatchObject({
      name: "olga",
      role: "operator",
    });
    const setCookie = resHeaders.get("set-cookie");
    expect(setCookie).toMatch(/^pb_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Lax; Path=\/; Max-Age=604800$/);
    const cookie = `theme=dark; ${cookiePair(setCookie)}`;
    const again = await callerWith(cookie);
    expect(await again.caller.auth.me()).toMatchObject({ name: "olga", role: "operator" });
    expect((await createContext({ req: new Request("http://x", { headers: { cookie } }) })).actor).toBe("olga");
  });

  it("refuses a wrong password with UNAUTHORIZED and sets no cookie", async () => {
    const { caller, resHeaders } = await callerWith();
    await expect(caller.auth.login({ name: "olga", password: "nope nope" })).rejects.toThrow(
      "unknown user or wrong password",
    );
    expect(await codeOf(caller.auth.login({ name: "ghost", password: PASSWORD }))).toBe("UNAUTHORIZED");
    expect(resHeaders.get("set-cookie")).toBeNull();
  });

  it("logs out: the session ends and the cookie is cleared", async () => {
    const first = await callerWith();
    await first.caller.auth.login({ name: "vic", password: PASSWORD });
    const cookie = cookiePair(first.resHeaders.get("set-cookie"));
    const out = await callerWith(cookie);
    await out.caller.auth.logout();
    expect(out.resHeaders.get("set-cookie")).toMatch(/^pb_session=; .*Max-Age=0/);
    expect(await (await callerWith(cookie)).caller.auth.me()).toBeNull();
  });

  it("lets operators and admins through, refuses anonymous and viewers with the right code", async () => {
    const cookies: Record<string, string> = {};
    for (const name of ["olga", "vic", "ada"]) {
      const { caller, resHeaders } = await callerWith();
      await caller.auth.login({ name, password: PASSWORD });
      cookies[name] = cookiePair(resHeaders.get("set-cookie"));
    }
    expect(await codeOf((await gatedAs()).x())).toBe("UNAUTHORIZED");
    await expect((await gatedAs()).x()).rejects.toThrow(
      /^not logged in: x needs an operator; log in on the web page, or run `proofboard login`/,
    );
    expect(await codeOf((await gatedAs(cookies.vic)).x())).toBe("FORBIDDEN");
    await expect((await gatedAs(cookies.vic)).x()).rejects.toThrow(
      "vic (viewer) may not do this: x needs an operator; ask an admin for the role",
    );
    expect(await (await gatedAs(cookies.olga)).x()).toBe(1);
    expect(await (await gatedAs(cookies.ada)).x()).toBe(1);
  });

  it("refuses hostile login names cleanly, with client errors and the tables intact", async () => {
    const { caller } = await callerWith();
    for (const name of [`'; DROP TABLE "user"; --`, "$(touch pwned)", "olga\u0000", "x".repeat(10_000)]) {
      expect(["UNAUTHORIZED", "BAD_REQUEST"]).toContain(await codeOf(caller.auth.login({ name, password: PASSWORD })));
    }
    expect(await db().user.count()).toBeGreaterThanOrEqual(3);
  });
});

describe("scripts/user.ts", () => {
  function userScript(
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number; out: string; err: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "scripts/user.ts", ...args],
        { cwd: root, timeout: 60_000, env: { ...process.env, ...env } },
        (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
      );
    });
  }

  it("adds an operator from argv and PROOFBOARD_PASSWORD who can then log in", async () => {
    const r = await userScript(["add", "demo-op", "--role", "operator"], { PROOFBOARD_PASSWORD: "demo-op-password" });
    expect(r).toMatchObject({ code: 0, out: "created demo-op (operator)\n" });
    expect(await userForToken(await login("demo-op", "demo-op-password"))).toMatchObject({
      name: "demo-op",
      role: "operator",
    });
    const list = await userScript(["list"]);
    expect(list.out).toMatch(/^demo-op\toperator\t/m);
  });

  it("exits 2 with one line on bad input", async () => {
    for (const args of [
      ["add", "$(touch pwned)", "--role", "operator"],
      ["add", "x2", "--role", "root"],
      ["frobnicate"],
    ]) {
      const r = await userScript(args, { PROOFBOARD_PASSWORD: "long enough" });
      expect(r.code).toBe(2);
      expect(r.err.trim().split("\n")).toHaveLength(1);
    }
    expect(existsSync(path.join(root, "pwned"))).toBe(false);
  });
});
