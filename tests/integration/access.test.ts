import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext, type Context } from "@proofboard/api";
import {
  createApiToken,
  createSession,
  createUser,
  type Access,
  type AuthUser,
  type TokenScope,
} from "@proofboard/auth";
import { db, disconnectDb } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { insertRun, resetDb } from "./helpers";
import { ensureRepository } from "@proofboard/services";

/**
 * Who may do what, for every procedure of the router: enumerated from the router itself, so a new
 * procedure fails here until someone decides its access. Each is called for real, anonymously and
 * as each role (by session and by token), and must be refused exactly when the rule says.
 */

const PASSWORD = "correct horse battery";

/** The decision for each procedure. A procedure missing here (or declared differently) fails the first test. */
const POLICY: Record<string, Access> = {
  "auth.me": "open",
  "auth.login": "open",
  "auth.logout": "open",
  "auth.issueToken": "open",
  "branches.list": "read",
  "branches.get": "read",
  "branches.metrics": "read",
  "lanes.list": "read",
  "hosts.list": "read",
  "hosts.target": "read",
  "hosts.storage": "read",
  "history.branchGrid": "read",
  "history.lane": "read",
  "history.compare": "read",
  "runs.list": "read",
  "runs.get": "read",
  "runs.follow": "read",
  "runs.resolve": "read",
  "consoles.search": "read",
  "consoles.diff": "read",
  "consoles.window": "read",
  "operations.list": "read",
  "audit.forRun": "read",
  "audit.requesters": "read",
  "readiness.timeline": "read",
  "branches.sync": "operate",
  "runs.rerun": "operate",
  "runs.rerunMissing": "operate",
  "runs.cancel": "operate",
  "runs.endHold": "operate",
  "runs.input": "operate",
  "operations.start": "operate",
  "operations.resize": "operate",
  "operations.stop": "operate",
  "tokens.list": "account",
  "tokens.create": "account",
  "tokens.revoke": "account",
  "audit.list": "admin",
  "users.list": "admin",
  "users.create": "admin",
  "users.setRole": "admin",
  "users.setPassword": "admin",
  "news.hooks": "admin",
  "news.create": "admin",
  "news.setEnabled": "admin",
  "news.delete": "admin",
  "news.rotateSecret": "admin",
  "news.ping": "admin",
  "news.deliveries": "admin",
  "news.redeliver": "admin",
};

type Proc = { _def: { type: "query" | "mutation" | "subscription"; meta?: { access?: Access } } };
const procedures = appRouter._def.procedures as unknown as Record<string, Proc>;

type Who = { label: string; role: AuthUser["role"] | null; scope?: TokenScope };
const WHO: Who[] = [
  { label: "anonymous", role: null },
  { label: "viewer", role: "viewer" },
  { label: "operator", role: "operator" },
  { label: "admin", role: "admin" },
  { label: "operator with a read token", role: "operator", scope: "read" },
  { label: "admin with an operate token", role: "admin", scope: "operate" },
];

const sessions: Record<string, string> = {};
const tokens: Record<string, string> = {};

async function contextFor(who: Who): Promise<Context> {
  const headers: Record<string, string> = {};
  if (who.role && who.scope) headers.authorization = `Bearer ${tokens[`${who.role}:${who.scope}`]}`;
  else if (who.role) headers.cookie = `pb_session=${sessions[who.role]}`;
  return createContext({ req: new Request("http://x/api/trpc", { headers }), resHeaders: new Headers() });
}

/** The error code of a call (OK when it answered), closing a subscription's stream at once. */
async function outcome(ctx: Context, path: string, input: unknown): Promise<{ code: string; message: string }> {
  const [group, name] = path.split(".") as [string, string];
  const caller = appRouter.createCaller(ctx) as unknown as Record<
    string,
    Record<string, (i: unknown) => Promise<unknown>>
  >;
  try {
    const result = await caller[group]![name]!(input);
    const iterator =
      result && typeof result === "object" && Symbol.asyncIterator in result
        ? (result as AsyncIterable<unknown>)[Symbol.asyncIterator]()
        : null;
    if (iterator) {
      // A subscription checks its access when its first value is asked for.
      await Promise.race([iterator.next(), new Promise((r) => setTimeout(r, 300))]);
      await iterator.return?.();
    }
    return { code: "OK", message: "" };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? "THROWN", message: (e as Error).message };
  }
}

/** An input that passes access checks but is refused by validation or finds nothing: no side effects. */
function probeInput(path: string, runId: string): unknown {
  if (["auth.me", "auth.logout", "users.list", "hosts.list", "hosts.storage"].includes(path)) return undefined;
  if (path === "branches.sync") return { repository: "no-such-repository" };
  if (path === "tokens.list") return {};
  if (
    path.startsWith("runs.") ||
    path.startsWith("operations.") ||
    path.startsWith("consoles.") ||
    path.startsWith("audit.forRun")
  ) {
    return {
      id: runId,
      runId,
      console: "node01",
      data: "x",
      name: "status",
      operationId: crypto.randomUUID(),
      cols: 80,
      rows: 24,
      lastEventId: null,
    };
  }
  return { __invalid: true };
}

function allowed(access: Access, who: Who, publicReads: boolean): boolean {
  if (access === "open") return true;
  if (!who.role) return access === "read" && publicReads;
  if (access === "read" || access === "account") return true;
  const rank = { viewer: 1, operator: 2, admin: 3 } as const;
  const cap = who.scope ? ({ read: 1, operate: 2, admin: 3 } as const)[who.scope] : 3;
  const acting = Math.min(rank[who.role], cap);
  return acting >= (access === "operate" ? 2 : 3);
}

let runId = "";

beforeAll(async () => {
  await resetDb();
  await db().$executeRawUnsafe(`DELETE FROM "session"`);
  await db().$executeRawUnsafe(`DELETE FROM "api_token"`);
  for (const role of ["viewer", "operator", "admin"] as const) {
    const name = `access-${role}`;
    await db().user.deleteMany({ where: { name } });
    const user = await createUser({ name, password: PASSWORD, role });
    sessions[role] = await createSession(user.id);
    for (const scope of ["read", "operate"] as const) {
      tokens[`${role}:${scope}`] = (
        await createApiToken({
          userId: user.id,
          name: `t-${scope}`,
          scope: role === "viewer" ? "read" : scope,
          days: 1,
          createdById: user.id,
        })
      ).token;
    }
  }
  const repo = await ensureRepository("accesstest", "/nonexistent");
  runId = (
    await insertRun({
      repositoryId: repo.id,
      sha: "a".repeat(40),
      lane: "hello",
      status: "passed",
      queuedAt: new Date(),
    })
  ).id;
});

afterAll(async () => {
  delete process.env.PROOFBOARD_READ_ACCESS;
  resetEnvCache();
  await closeQueues();
  await disconnectDb();
});

describe("access to every procedure", () => {
  it("every procedure of the router declares the access decided for it", () => {
    const declared = Object.fromEntries(
      Object.entries(procedures).map(([path, p]) => [path, p._def.meta?.access ?? "(none)"]),
    );
    expect(declared).toEqual(POLICY);
    // Nothing that changes state may be open to readers.
    for (const [path, p] of Object.entries(procedures)) {
      if (p._def.type === "mutation") expect(POLICY[path], path).not.toBe("read");
    }
  });

  for (const mode of ["public", "login"] as const) {
    it(`refuses exactly whom the rule says, with reads ${mode === "public" ? "public" : "behind a login"}`, async () => {
      process.env.PROOFBOARD_READ_ACCESS = mode;
      resetEnvCache();
      const wrong: string[] = [];
      for (const [path, access] of Object.entries(POLICY)) {
        for (const who of WHO) {
          const ctx = await contextFor(who);
          // Logging out for real would end the session the next calls use.
          const got = await outcome(
            path === "auth.logout" ? { ...ctx, sessionToken: null } : ctx,
            path,
            probeInput(path, runId),
          );
          const refused = got.code === "UNAUTHORIZED" || got.code === "FORBIDDEN";
          if (refused === allowed(access, who, mode === "public"))
            wrong.push(`${path} as ${who.label}: ${got.code} ${got.message}`);
          // A refusal says who asked and what it needs.
          if (refused && who.role) expect(got.message, path).toMatch(new RegExp(`access-${who.role} \\(${who.role}`));
          if (refused && !who.role) expect(got.message, path).toMatch(/^not logged in: .* needs .*proofboard login/);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});
