import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext, type Context } from "@proofboard/api";
import { createApiToken, createSession, createUser, type AuthUser } from "@proofboard/auth";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues } from "@proofboard/jobs";
import { ensureRepository, recordWebhookAudit, syncRepository } from "@proofboard/services";
import { serveApi, type ApiServer } from "../../apps/cli/testing/api-server";
import { catalogYaml, makeRepo, resetDb, waitFor } from "./helpers";
import { cliArgv } from "../support/cli";

/** The audit log through real tRPC callers and the real CLI: one row per mutation, refused ones too. */

const root = path.resolve(import.meta.dirname, "../..");
const PASSWORD = "correct horse battery";
/** A Slack incoming-webhook URL is itself the credential: it must never reach the log. */
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXsecretpart";
const REPO = "audittest";
const users: Record<"admin" | "operator" | "viewer", AuthUser & { cookie: string; token: string; apiToken: string }> =
  {} as never;
let api: ApiServer;

async function caller(as: keyof typeof users | "anonymous", address = "203.0.113.9") {
  const headers: Record<string, string> = { "x-forwarded-for": `${address}, 10.0.0.1` };
  if (as !== "anonymous") headers.cookie = users[as].cookie;
  return appRouter.createCaller(
    await createContext({ req: new Request("http://x/api/trpc", { headers }), resHeaders: new Headers() }),
  );
}

/** The mutation's answer, or its error code: the audit row is what is under test, not the mutation. */
async function settle<T>(p: Promise<T>): Promise<T | string> {
  try {
    return await p;
  } catch (e) {
    return String((e as { code?: unknown }).code ?? e);
  }
}

const rowsAfter = (since: Date) => db().auditEvent.findMany({ where: { at: { gte: since } }, orderBy: { at: "asc" } });

beforeAll(async () => {
  await resetDb();
  await db().$executeRawUnsafe(`DELETE FROM "audit_event"`);
  await db().$executeRawUnsafe(`DELETE FROM "session"`);
  // Operations keep their requester (ON DELETE RESTRICT): a suite that ran operations may have left some.
  await db().$executeRawUnsafe(`DELETE FROM "operation"`);
  await db().$executeRawUnsafe(`DELETE FROM "user"`);
  for (const role of ["admin", "operator", "viewer"] as const) {
    const user = await createUser({ name: `${role}-user`, password: PASSWORD, role });
    const token = await createSession(user.id);
    const apiToken = (
      await createApiToken({
        userId: user.id,
        name: "audit cli",
        scope: role === "admin" ? "admin" : "read",
        days: 1,
        createdById: null,
      })
    ).token;
    users[role] = { ...user, token, apiToken, cookie: `pb_session=${token}` };
  }
  const target = makeRepo({ "proofboard.yaml": catalogYaml([{ name: "hello", command: ["true"] }], ["hello"]) });
  await syncRepository(await ensureRepository(REPO, target.dir));
  api = await serveApi();
});

afterAll(async () => {
  await api?.close();
  await closeQueues();
  await disconnectDb();
});

type Call = {
  as: keyof typeof users | "anonymous";
  input: (runId: string) => unknown;
  actor: string;
  target?: { runId?: boolean; branch?: string; lane?: string };
};

/** Every mutation of the router, with a call that reaches it. A new mutation fails the first test until it is listed here. */
const CALLS: Record<string, Call> = {
  "auth.login": { as: "anonymous", input: () => ({ name: "viewer-user", password: PASSWORD }), actor: "viewer-user" },
  "auth.logout": { as: "viewer", input: () => undefined, actor: "viewer-user" },
  "auth.issueToken": {
    as: "anonymous",
    input: () => ({ name: "viewer-user", password: PASSWORD, tokenName: "audit" }),
    actor: "viewer-user",
  },
  "branches.sync": { as: "operator", input: () => ({ repository: REPO }), actor: "operator-user" },
  "runs.rerun": {
    as: "operator",
    input: () => ({ repository: REPO, branch: "main", lane: "hello" }),
    actor: "operator-user",
    target: { runId: true, branch: "main", lane: "hello" },
  },
  "runs.rerunMissing": {
    as: "operator",
    input: () => ({ repository: REPO, branch: "main" }),
    actor: "operator-user",
    target: { branch: "main" },
  },
  "runs.endHold": { as: "operator", input: (id) => ({ id }), actor: "operator-user", target: { runId: true } },
  "runs.input": {
    as: "operator",
    input: (id) => ({ id, console: "node01", data: "hunter2\r" }),
    actor: "operator-user",
    target: { runId: true },
  },
  "operations.start": {
    as: "operator",
    input: (runId) => ({ runId, name: "status" }),
    actor: "operator-user",
    target: { runId: true },
  },
  "operations.resize": {
    as: "operator",
    input: (runId) => ({ runId, operationId: crypto.randomUUID(), cols: 80, rows: 24 }),
    actor: "operator-user",
    target: { runId: true },
  },
  "operations.stop": {
    as: "operator",
    input: (runId) => ({ runId, operationId: crypto.randomUUID() }),
    actor: "operator-user",
    target: { runId: true },
  },
  "runs.cancel": { as: "admin", input: (id) => ({ id }), actor: "admin-user", target: { runId: true } },
  "tokens.create": { as: "operator", input: () => ({ name: "audit", scope: "read" }), actor: "operator-user" },
  "tokens.revoke": { as: "operator", input: () => ({ id: crypto.randomUUID() }), actor: "operator-user" },
  "users.create": {
    as: "admin",
    input: () => ({ name: "audit-new", role: "viewer", password: PASSWORD }),
    actor: "admin-user",
  },
  "users.setRole": { as: "admin", input: () => ({ name: "audit-new", role: "operator" }), actor: "admin-user" },
  "users.setPassword": {
    as: "admin",
    input: () => ({ name: "audit-new", password: "another password" }),
    actor: "admin-user",
  },
  "news.create": {
    as: "admin",
    input: () => ({ name: "audit hook", url: SLACK_URL, format: "slack", events: ["readiness.changed"] }),
    actor: "admin-user",
  },
  "news.setEnabled": { as: "admin", input: () => ({ id: crypto.randomUUID(), enabled: false }), actor: "admin-user" },
  "news.rotateSecret": {
    as: "admin",
    input: () => ({ id: crypto.randomUUID(), secret: "rotated secret" }),
    actor: "admin-user",
  },
  "news.ping": { as: "admin", input: () => ({ id: crypto.randomUUID() }), actor: "admin-user" },
  "news.redeliver": { as: "admin", input: () => ({ id: crypto.randomUUID() }), actor: "admin-user" },
  "news.delete": { as: "admin", input: () => ({ id: crypto.randomUUID() }), actor: "admin-user" },
};

function mutationPaths(): string[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
  return Object.entries(procedures)
    .filter(([, p]) => p._def.type === "mutation")
    .map(([name]) => name)
    .sort();
}

describe("audit log", () => {
  let runId = "";

  it("lists every mutation of the router", () => {
    expect(mutationPaths()).toEqual(Object.keys(CALLS).sort());
  });

  it("writes one row per mutation with its actor, action, target and address", async () => {
    for (const [action, call] of Object.entries(CALLS)) {
      const since = new Date(Date.now() - 1);
      const c = await caller(call.as);
      const [group, name] = action.split(".") as [string, string];
      const proc = (c as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>)[group]![
        name
      ]!;
      const result = await settle(proc(call.input(runId)));
      if (action === "runs.rerun") runId = (result as { id: string }).id;
      // Keystrokes and resizes are recorded without holding their answer: their row may come a moment later.
      const rows = await waitFor(
        `${action}'s audit row`,
        async () => {
          const found = (await rowsAfter(since)).filter((r) => r.action === action);
          return found.length ? found : null;
        },
        5000,
      );
      expect(rows, action).toHaveLength(1);
      const row = rows[0]!;
      expect({ action, actor: row.actor, address: row.address }).toEqual({
        action,
        actor: call.actor,
        address: "203.0.113.9",
      });
      if (call.target?.runId) expect(row.runId, action).toBe(runId);
      if (call.target?.branch) expect(row.branch, action).toBe(call.target.branch);
      if (call.target?.lane) expect(row.lane, action).toBe(call.target.lane);
      expect(row.outcome, action).toMatch(/^(ok|refused: [A-Z_]+|error)$/);
    }
    const rows = await db().auditEvent.findMany({ where: { runId } });
    expect(rows.find((r) => r.action === "runs.cancel")).toMatchObject({
      outcome: "ok",
      summary: "canceled",
      role: "admin",
    });
    // Keystrokes are data that may be a password: only their count is kept.
    expect(JSON.stringify(rows.find((r) => r.action === "runs.input")?.input)).not.toContain("hunter2");
    const issued = await db().auditEvent.findFirstOrThrow({ where: { action: "auth.issueToken" } });
    expect(issued).toMatchObject({
      userId: users.viewer.id,
      summary: expect.stringMatching(/^made read API token pb_\S{7}… \(audit\) for viewer-user$/),
    });
    expect(JSON.stringify(issued)).not.toContain(PASSWORD);
    const login = await db().auditEvent.findFirstOrThrow({ where: { action: "auth.login" } });
    expect(login.input).toEqual({ name: "viewer-user", password: "[redacted]" });
    expect(login.userId).toBe(users.viewer.id);
    const hook = await db().auditEvent.findFirstOrThrow({ where: { action: "news.create" } });
    expect(JSON.stringify(hook)).not.toContain("XXXXsecretpart");
    expect(JSON.stringify(await db().auditEvent.findMany({ where: { action: "news.rotateSecret" } }))).not.toContain(
      "rotated secret",
    );
  });

  it("records refused attempts with who tried", async () => {
    // auth.logout above ended the viewer's session.
    users.viewer.token = await createSession(users.viewer.id);
    users.viewer.cookie = `pb_session=${users.viewer.token}`;
    const since = new Date(Date.now() - 1);
    await settle((await caller("anonymous")).runs.endHold({ id: runId }));
    await settle((await caller("viewer")).runs.endHold({ id: runId }));
    await settle((await caller("anonymous")).auth.login({ name: "admin-user", password: "wrong password" }));
    const rows = await rowsAfter(since);
    expect(rows.map((r) => [r.action, r.actor, r.role, r.outcome])).toEqual([
      ["runs.endHold", "web", "anonymous", "refused: UNAUTHORIZED"],
      ["runs.endHold", "viewer-user", "viewer", "refused: FORBIDDEN"],
      ["auth.login", "web", "anonymous", "refused: UNAUTHORIZED"],
    ]);
    expect(JSON.stringify(rows.map((r) => r.input))).not.toContain("wrong password");
  });

  it("stores hostile input bounded, redacted and without control characters", async () => {
    const since = new Date(Date.now() - 1);
    const hostile = {
      id: `\x00\x1b[31m${"x".repeat(100_000)}`,
      password: "p4ss",
      nested: {
        apiToken: "t0k",
        clientSecret: "s3c",
        list: Array.from({ length: 1000 }, (_, i) => `item${i}\u202e\ud800`),
      },
    };
    const c = await caller("operator", "\x1b[2J198.51.100.7");
    expect(await settle(c.runs.cancel(hostile as never))).toBe("BAD_REQUEST");
    const [row] = await rowsAfter(since);
    const text = JSON.stringify(row!.input);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2048);
    for (const secret of ["p4ss", "t0k", "s3c"]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\\u00(0|1)[0-9a-f]/i);
    expect(row!.runId!.length).toBeLessThanOrEqual(65);
    expect(row!.runId).not.toMatch(/[\x00-\x1f]/);
    expect(row!.address).toBe("[2J198.51.100.7");
    expect(row!.outcome).toBe("refused: BAD_REQUEST");
  });

  it("a failed audit write does not fail the mutation", async () => {
    const since = new Date(Date.now() - 1);
    // A user id that no row has: the audit insert breaks its foreign key, the rerun still happens.
    const ghost: Context = {
      actor: "ghost",
      user: { id: "no-such-user", name: "ghost", role: "operator" },
      address: "local",
    };
    const run = await appRouter.createCaller(ghost).runs.rerun({ repository: REPO, branch: "main", lane: "hello" });
    expect(run.requestedBy).toBe("ghost");
    expect((await rowsAfter(since)).filter((r) => r.actor === "ghost")).toEqual([]);
  });

  it("shows a run's actions on the run and who asked for it on the lane row; the full log to admins only", async () => {
    const forRun = await (await caller("anonymous")).audit.forRun({ runId });
    expect(forRun.map((e) => [e.summary, e.actor])).toContainEqual(["canceled", "admin-user"]);
    expect(forRun.map((e) => e.action)).not.toContain("runs.input");
    const requesters = await (await caller("anonymous")).audit.requesters({ runIds: [runId, "not-a-uuid"] });
    expect(requesters).toEqual({
      [runId]: {
        by: "operator-user",
        attempt: 1,
        trigger: "manual",
        person: true,
        automatic: false,
        label: "run by operator-user",
      },
    });
    expect(await settle((await caller("operator")).audit.list({}))).toBe("FORBIDDEN");
    const page1 = await (await caller("admin")).audit.list({ limit: 3 });
    const page2 = await (await caller("admin")).audit.list({ limit: 3, before: page1[2]!.cursor });
    expect(page1).toHaveLength(3);
    expect(page2[0]!.at <= page1[2]!.at).toBe(true);
    expect(page2.map((r) => r.id)).not.toContain(page1[2]!.id);
  });

  it("records webhook deliveries with the forge as actor", async () => {
    const since = new Date(Date.now() - 1);
    const headers = new Headers({ "x-real-ip": "192.0.2.4" });
    await recordWebhookAudit("github", headers, Buffer.from(JSON.stringify({ ref: "refs/heads/main" })), 200, "{}");
    await recordWebhookAudit("gitlab", headers, Buffer.from("{}"), 401, "unsigned");
    const rows = await rowsAfter(since);
    expect(rows.map((r) => [r.actor, r.role, r.action, r.branch, r.outcome, r.address])).toEqual([
      ["github", "webhook", "webhook.github", "main", "ok", "192.0.2.4"],
      ["gitlab", "webhook", "webhook.gitlab", null, "refused: UNAUTHORIZED", "192.0.2.4"],
    ]);
  });
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
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
          PROOFBOARD_TOKEN: "",
          PROOFBOARD_CONFIG_DIR: "/nonexistent",
          DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
          ...env,
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out: stdout, err: stderr }),
    );
  });
}

describe("proofboard audit", () => {
  it("lists a run's events for an admin's token, as JSON and as a table", async () => {
    const run = await db().auditEvent.findFirstOrThrow({ where: { action: "runs.cancel", outcome: "ok" } });
    const json = await cli(["audit", "--run", run.runId!, "--json"], { PROOFBOARD_TOKEN: users.admin.apiToken });
    expect(json.err).toBe("");
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.out) as { action: string; actor: string; runId: string }[];
    expect(rows.every((r) => r.runId === run.runId)).toBe(true);
    expect(rows.map((r) => [r.action, r.actor])).toContainEqual(["runs.cancel", "admin-user"]);
    const text = await cli(["audit", "--actor", "admin-user", "--limit", "20"], {
      PROOFBOARD_TOKEN: users.admin.apiToken,
    });
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/WHEN\s+WHO/);
    expect(text.out).toContain("runs.cancel");
  });

  it("says it needs an admin without a token, or with an operator's (exit 4)", async () => {
    const none = await cli(["audit"]);
    expect(none.code).toBe(4);
    expect(none.err).toMatch(/^proofboard: not logged in: audit\.list needs an admin; .*proofboard login/);
    const operator = await cli(["audit"], { PROOFBOARD_TOKEN: users.operator.apiToken });
    expect(operator.code).toBe(4);
    expect(operator.err).toMatch(
      /^proofboard: operator-user \(operator, with a read token\) may not do this: audit\.list needs an admin; ask an admin for the role/,
    );
  });
});
