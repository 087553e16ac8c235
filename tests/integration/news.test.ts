import { execFile } from "node:child_process";
import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import {
  ensureRepository,
  makeEvents,
  MAX_ATTEMPTS,
  pruneNews,
  sendDue,
  syncRepository,
  verifySignature,
  type HookInfo,
} from "@proofboard/services";
import { createApiToken } from "@proofboard/auth";
import { serveApi } from "../../apps/cli/testing/api-server";
import { callerAs, testUser } from "../support/callers";
import { catalogYaml, insertRun, makeRepo, resetDb } from "./helpers";
import { cliArgv } from "../support/cli";

/**
 * Outgoing news against a real receiver (node:http on a free port) and the real database: what is
 * sent, how it is signed, how answers and failures are kept, retries, Slack's shape, commit statuses.
 */

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Responder = (req: Received, res: http.ServerResponse) => void;

let received: Received[] = [];
let respond: Responder = (_req, res) => res.writeHead(200).end("ok");
let server: http.Server;
let base = "";
const sockets = new Set<import("node:net").Socket>();

const admin = () => callerAs("admin", "news-admin");
const SHA = "0123456789abcdef0123456789abcdef01234567";
let repoId = "";

async function change(o: {
  branch?: string;
  gate?: string | null;
  ready: boolean;
  missing?: string[];
  initial?: boolean;
  sha?: string;
  repositoryId?: string;
}) {
  await db().$executeRaw`INSERT INTO readiness_change (repository_id, branch, gate, ready, commit_sha, missing, initial)
    VALUES (${o.repositoryId ?? repoId}, ${o.branch ?? "main"}, ${o.gate ?? null}, ${o.ready}, ${o.sha ?? SHA}, ${o.missing ?? []}, ${o.initial ?? false})`;
}

async function tick() {
  await makeEvents();
  return sendDue();
}

async function addHook(
  o: {
    format?: "proofboard" | "slack";
    events?: ("readiness.changed" | "gate.changed" | "lane.failed")[];
    branchFilter?: string;
    path?: string;
    secret?: string;
  } = {},
) {
  return (await admin()).news.create({
    name: "receiver",
    url: `${base}${o.path ?? "/hook"}`,
    format: o.format ?? "proofboard",
    events: o.events ?? ["readiness.changed"],
    branchFilter: o.branchFilter,
    secret: o.secret,
  });
}

const deliveries = async (hook: HookInfo | "forge") =>
  (await admin()).news.deliveries({ target: hook === "forge" ? "forge" : hook.id });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(r);
      respond(r, res);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.PROOFBOARD_PUBLIC_URL = "https://proofboard.example";
  // the receiver runs on this machine
  process.env.PROOFBOARD_NEWS_ALLOW_LOCAL = "1";
  resetEnvCache();
});

beforeEach(async () => {
  await resetDb();
  await db().$executeRawUnsafe(
    `TRUNCATE notification_delivery, notification_event, notification_hook, notification_cursor, readiness_change`,
  );
  repoId = (await ensureRepository("itest", "/nonexistent")).id;
  await makeEvents(); // the cursors start here
  received = [];
  respond = (_req, res) => res.writeHead(200).end("ok");
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  for (const k of [
    "PROOFBOARD_PUBLIC_URL",
    "PROOFBOARD_NEWS_ALLOW_LOCAL",
    "PROOFBOARD_FORGE",
    "PROOFBOARD_FORGE_API_URL",
    "PROOFBOARD_FORGE_TOKEN",
    "PROOFBOARD_FORGE_REPO",
  ])
    delete process.env[k];
  resetEnvCache();
  await closeQueues();
  await disconnectDb();
});

describe("webhooks", () => {
  it("signs timestamp.body with the hook's secret; the payload says what changed", async () => {
    const { hook, secret } = await addHook();
    expect(secret).toMatch(/^pbwh_/);
    expect(hook.secretHint).toBe(`${secret.slice(0, 9)}…`);
    await change({ ready: false, missing: ["fresh-smoke", "fresh-matrix"] });
    await change({ ready: true, initial: true, branch: "other" }); // a starting point: never announced
    expect(await tick()).toMatchObject({ delivered: 1 });
    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r!.method).toBe("POST");
    expect(r!.url).toBe("/hook");
    expect(r!.headers["content-type"]).toBe("application/json");
    expect(r!.headers["x-proofboard-event"]).toBe("readiness.changed");
    const [d] = await deliveries(hook);
    expect(r!.headers["x-proofboard-delivery"]).toBe(d!.id);
    const ts = String(r!.headers["x-proofboard-timestamp"]);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(30);
    const sig = String(r!.headers["x-proofboard-signature"]);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(secret, ts, r!.body, sig)).toBe(true);
    expect(verifySignature("another-secret-of-16+", ts, r!.body, sig)).toBe(false);
    expect(verifySignature(secret, String(Number(ts) + 1), r!.body, sig)).toBe(false);
    expect(verifySignature(secret, ts, r!.body.replace("false", "true "), sig)).toBe(false);
    const p = JSON.parse(r!.body);
    expect(p).toMatchObject({
      version: 1,
      event: "readiness.changed",
      repository: "itest",
      branch: "main",
      commit: SHA,
      gate: null,
      ready: false,
      missing: ["fresh-smoke", "fresh-matrix"],
      initial: false,
      url: "https://proofboard.example/branches/main",
      run: null,
    });
    expect(p.id).toMatch(/^readiness:\d+$/);
    expect(d).toMatchObject({
      status: "delivered",
      attempts: 1,
      responseStatus: 200,
      responseExcerpt: "ok",
      error: null,
    });
    expect(d!.summary).toBe(`main is NOT READY at ${SHA.slice(0, 10)}: missing fresh-smoke, fresh-matrix`);
    // Nothing twice: the next tick has nothing to send.
    expect(await tick()).toMatchObject({ delivered: 0, retry: 0 });
    expect(received).toHaveLength(1);
  });

  it("retries after a 500 with backoff (30 s, then 2 min), keeps the answer, then delivers", async () => {
    const { hook } = await addHook();
    await change({ ready: true });
    let calls = 0;
    respond = (_r, res) => (++calls <= 2 ? res.writeHead(500).end("boom: database away") : res.writeHead(204).end());
    const before = Date.now();
    expect(await tick()).toMatchObject({ retry: 1 });
    let [d] = await deliveries(hook);
    expect(d).toMatchObject({
      status: "pending",
      attempts: 1,
      responseStatus: 500,
      responseExcerpt: "boom: database away",
      error: "HTTP 500",
    });
    const wait1 = Date.parse(d!.nextAttemptAt!) - before;
    expect(wait1).toBeGreaterThanOrEqual(29_000);
    expect(wait1).toBeLessThan(40_000);
    // Not due yet: nothing is sent.
    expect(await sendDue()).toMatchObject({ retry: 0, delivered: 0 });
    await db().$executeRaw`UPDATE notification_delivery SET next_attempt_at = now() - interval '1 second'`;
    const before2 = Date.now();
    expect(await sendDue()).toMatchObject({ retry: 1 });
    [d] = await deliveries(hook);
    const wait2 = Date.parse(d!.nextAttemptAt!) - before2;
    expect(wait2).toBeGreaterThanOrEqual(119_000);
    expect(wait2).toBeLessThan(130_000);
    await db().$executeRaw`UPDATE notification_delivery SET next_attempt_at = now() - interval '1 second'`;
    expect(await sendDue()).toMatchObject({ delivered: 1 });
    [d] = await deliveries(hook);
    expect(d).toMatchObject({
      status: "delivered",
      attempts: 3,
      responseStatus: 204,
      error: null,
      nextAttemptAt: null,
    });
    expect(received).toHaveLength(3);
    // The same bytes every time, freshly signed.
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
  });

  it("gives up after the last attempt, and an admin can send it again", async () => {
    const { hook } = await addHook();
    await change({ ready: true });
    respond = (_r, res) => res.writeHead(503).end("no");
    await makeEvents();
    await db().$executeRaw`UPDATE notification_delivery SET attempts = ${MAX_ATTEMPTS - 1}`;
    expect(await sendDue()).toMatchObject({ failed: 1 });
    let [d] = await deliveries(hook);
    expect(d).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS, nextAttemptAt: null, responseStatus: 503 });
    respond = (_r, res) => res.writeHead(200).end("thanks");
    await (await admin()).news.redeliver({ id: d!.id });
    expect(await sendDue()).toMatchObject({ delivered: 1 });
    [d] = await deliveries(hook);
    expect(d).toMatchObject({ status: "delivered", attempts: 1, responseExcerpt: "thanks" });
  });

  it("keeps only 2 KB of a huge answer, follows no redirect, and times out a receiver that never answers", async () => {
    const { hook } = await addHook();
    respond = (_r, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`${"<b>x</b>\u0000".repeat(1000)}${"y".repeat(5 << 20)}`);
    };
    await change({ ready: true });
    expect(await tick()).toMatchObject({ delivered: 1 });
    let [d] = await deliveries(hook);
    expect(Buffer.byteLength(d!.responseExcerpt!)).toBeLessThanOrEqual(2048);
    expect(d!.responseExcerpt).toMatch(/^<b>x<\/b><b>x<\/b>/);
    expect(d!.responseExcerpt).not.toContain("\u0000");

    received = [];
    respond = (r, res) =>
      r.url === "/hook" ? res.writeHead(302, { location: `${base}/elsewhere` }).end() : res.writeHead(200).end();
    await change({ ready: false, missing: ["x"] });
    expect(await tick()).toMatchObject({ retry: 1 });
    [d] = await deliveries(hook);
    expect(d!.error).toBe(`redirect to ${base}/elsewhere not followed: give the final URL`);
    expect(received.map((r) => r.url)).toEqual(["/hook"]);

    respond = () => undefined; // never answers
    await change({ ready: true, branch: "slow" });
    const started = Date.now();
    expect(await tick()).toMatchObject({ retry: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
    expect(Date.now() - started).toBeLessThan(20_000);
    [d] = await deliveries(hook);
    expect(d).toMatchObject({ status: "pending", responseStatus: null, error: "no answer within 10 s" });
  }, 40_000);

  it("Slack format: text and blocks, hostile branch names escaped and links encoded", async () => {
    const { hook } = await addHook({ format: "slack" });
    const hostile = `feat/"q"<script>alert(1)</script>&x`;
    await change({ ready: true, branch: hostile });
    await change({ ready: false, branch: "main", missing: ["fresh-smoke", "<img src=x>"] });
    expect(await tick()).toMatchObject({ delivered: 2 });
    const bodies = received.map(
      (r) =>
        JSON.parse(r.body) as {
          text: string;
          blocks: { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[];
        },
    );
    const ready = bodies.find((b) => b.text.includes("READY at") && !b.text.includes("NOT"))!;
    expect(ready.text).toBe(
      `:large_green_circle: feat/"q"&lt;script&gt;alert(1)&lt;/script&gt;&amp;x is READY at ${SHA.slice(0, 10)} — all release gates green`,
    );
    expect(ready.blocks[0]).toEqual({ type: "section", text: { type: "mrkdwn", text: ready.text } });
    expect(ready.blocks[1]!.elements![0]!.text).toBe(
      "<https://proofboard.example/branches/feat/%22q%22%3Cscript%3Ealert(1)%3C/script%3E%26x|Open in Proofboard> · itest",
    );
    const red = bodies.find((b) => b.text.includes("NOT READY"))!;
    expect(red.text).toBe(
      `:red_circle: main is NOT READY at ${SHA.slice(0, 10)}: missing fresh-smoke, &lt;img src=x&gt;`,
    );
    for (const b of bodies) expect(JSON.stringify(b)).not.toMatch(/<script>|<img/);
    expect((await deliveries(hook)).every((d) => d.status === "delivered")).toBe(true);
  });

  it("filters by branch pattern and event, and a disabled hook's deliveries wait", async () => {
    const { hook: release } = await addHook({ branchFilter: "release/*, main", events: ["gate.changed"] });
    const { hook: all } = await addHook({ path: "/all" });
    await change({ ready: true, branch: "release/2026.11", gate: "publishable-kvm" });
    await change({ ready: true, branch: "feature/x", gate: "publishable-kvm" });
    await change({ ready: true, branch: "release/2026.11" });
    await makeEvents();
    await (await admin()).news.setEnabled({ id: all.id, enabled: false });
    expect(await sendDue()).toMatchObject({ delivered: 1 });
    expect(received.map((r) => [r.url, JSON.parse(r.body).branch, JSON.parse(r.body).gate])).toEqual([
      ["/hook", "release/2026.11", "publishable-kvm"],
    ]);
    expect(await deliveries(release)).toHaveLength(1);
    // the hook was disabled after its delivery was made: the delivery waits
    const waiting = await deliveries(all);
    expect(waiting.map((d) => d.status)).toEqual(["pending"]);
    expect(await sendDue()).toMatchObject({ delivered: 0 });
    await (await admin()).news.setEnabled({ id: all.id, enabled: true });
    expect(await sendDue()).toMatchObject({ delivered: 1 });
  });

  it("refuses URLs that are not http(s), and bad secrets, names and patterns", async () => {
    const caller = await admin();
    const bad = [
      "file:///etc/passwd",
      "javascript:alert(1)",
      "ftp://example.com/x",
      "data:text/plain,hi",
      "http://user:pw@example.com/",
      "not a url",
      "//example.com",
    ];
    for (const url of bad) {
      await expect(
        caller.news.create({ name: "x", url, format: "proofboard", events: ["readiness.changed"] }),
        url,
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(
      caller.news.create({
        name: "x",
        url: `${base}/h`,
        format: "proofboard",
        events: ["readiness.changed"],
        secret: "short",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      caller.news.create({ name: "a\nb", url: `${base}/h`, format: "proofboard", events: ["readiness.changed"] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      caller.news.create({
        name: "x",
        url: `${base}/h`,
        format: "proofboard",
        events: ["readiness.changed"],
        branchFilter: "a\u0000b",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await caller.news.hooks()).hooks).toEqual([]);
    // the table refuses one too, whatever writes it
    await expect(
      db()
        .$executeRaw`INSERT INTO notification_hook (name, url, secret, format, events) VALUES ('x', 'file:///etc/passwd', 's', 'proofboard', '{}')`,
    ).rejects.toThrow(/check/i);
  });

  it("a Slack URL's secret path is not shown after it was added; a given secret is kept, rotation shows the new one once", async () => {
    const caller = await admin();
    const made = await caller.news.create({
      name: "chat",
      url: "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
      format: "slack",
      events: ["lane.failed"],
      secret: "my-own-secret-0123456789",
    });
    expect(made.secret).toBe("my-own-secret-0123456789");
    const { hooks } = await caller.news.hooks();
    expect(hooks[0]!.url).toBe("https://hooks.slack.com/services/…");
    expect(JSON.stringify(hooks)).not.toContain("XXXXSECRET");
    expect(JSON.stringify(hooks)).not.toContain("my-own-secret");
    const { secret } = await caller.news.rotateSecret({ id: made.hook.id });
    expect(secret).not.toBe(made.secret);
    await caller.news.delete({ id: made.hook.id });
    expect((await caller.news.hooks()).hooks).toEqual([]);
  });

  it("forgets news older than 90 days once nothing of it waits to be sent", async () => {
    const { hook } = await addHook();
    await change({ ready: true });
    await change({ ready: false, branch: "waiting", missing: ["x"] });
    respond = (r, res) => (r.body.includes('"waiting"') ? res.writeHead(500).end() : res.writeHead(200).end());
    await tick();
    await db().$executeRaw`UPDATE notification_event SET created_at = now() - interval '91 days'`;
    expect(await pruneNews()).toBe(1);
    expect((await deliveries(hook)).map((d) => d.status)).toEqual(["pending"]);
  });

  it("never sends to this machine or its link-local network unless allowed", async () => {
    const { hook } = await addHook(); // made while allowed: the receiver is on 127.0.0.1
    process.env.PROOFBOARD_NEWS_ALLOW_LOCAL = "0";
    resetEnvCache();
    try {
      const caller = await admin();
      for (const url of [
        "http://127.0.0.1:5432/",
        "http://127.1/",
        "http://[::1]:6379/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:3000/",
        "http://localhost:3000/api/trpc/",
        "http://LOCALHOST./",
      ]) {
        await expect(
          caller.news.create({ name: "probe", url, format: "proofboard", events: ["readiness.changed"] }),
          url,
        ).rejects.toMatchObject({
          code: "BAD_REQUEST",
          message: expect.stringMatching(/news goes to other machines only \(set PROOFBOARD_NEWS_ALLOW_LOCAL=1/),
        });
      }
      // a private network's chat server is another machine
      const internal = await caller.news.create({
        name: "chat",
        url: "http://10.20.30.40/hooks/x",
        format: "slack",
        events: ["readiness.changed"],
      });
      await caller.news.delete({ id: internal.hook.id });
      // a hook made earlier is refused when it is sent, before any byte leaves
      await caller.news.ping({ id: hook.id });
      expect(await sendDue()).toMatchObject({ delivered: 0 });
      expect(received).toEqual([]);
      expect((await deliveries(hook))[0]).toMatchObject({
        error: expect.stringMatching(/^refused: 127\.0\.0\.1 is on this machine/),
      });
      // so is a name that resolves here (this machine's own name, where it resolves to loopback)
      const own = (await dnsLookup(os.hostname(), { all: true })).map((a) => a.address);
      if (own.length > 0 && own.every((a) => a.startsWith("127.") || a === "::1")) {
        await db().notificationHook.update({ where: { id: hook.id }, data: { url: `http://${os.hostname()}:1/h` } });
        await caller.news.ping({ id: hook.id });
        await db().notificationDelivery.updateMany({ data: { nextAttemptAt: new Date(0) } });
        await sendDue();
        const last = (await deliveries(hook)).map((d) => d.error ?? "");
        expect(last.some((e) => e.startsWith(`refused: ${os.hostname()} resolves to 127.`))).toBe(true);
      }
    } finally {
      process.env.PROOFBOARD_NEWS_ALLOW_LOCAL = "1";
      resetEnvCache();
    }
  });

  it("ping sends a signed test message", async () => {
    const { hook, secret } = await addHook({ format: "proofboard" });
    await (await admin()).news.ping({ id: hook.id });
    expect(await sendDue()).toMatchObject({ delivered: 1 });
    const r = received[0]!;
    expect(r.headers["x-proofboard-event"]).toBe("ping");
    expect(
      verifySignature(
        secret,
        String(r.headers["x-proofboard-timestamp"]),
        r.body,
        String(r.headers["x-proofboard-signature"]),
      ),
    ).toBe(true);
    expect(JSON.parse(r.body)).toMatchObject({ version: 1, event: "ping", hook: { id: hook.id, name: "receiver" } });
  });

  it("several processes making and sending at once send each event once", async () => {
    await addHook();
    for (let i = 0; i < 10; i++) await change({ ready: i % 2 === 0, branch: `b${i}`, missing: ["x"] });
    await Promise.all([makeEvents(), makeEvents(), makeEvents()]);
    const results = await Promise.all([sendDue(4), sendDue(4), sendDue(4)]);
    await sendDue();
    expect(results.reduce((n, r) => n + r.delivered, 0)).toBeGreaterThan(0);
    expect(await db().notificationEvent.count()).toBe(10);
    expect(await db().notificationDelivery.count()).toBe(10);
    expect(received).toHaveLength(10);
    expect(new Set(received.map((r) => r.headers["x-proofboard-delivery"])).size).toBe(10);
  });
});

describe("failed release lanes", () => {
  it("announces a failed or timed-out run of a release gate's lane, not other lanes nor infrastructure faults", async () => {
    const target = makeRepo({
      "proofboard.yaml": catalogYaml(
        [
          { name: "smoke", command: ["true"] },
          { name: "lint", command: ["true"] },
        ],
        ["smoke"],
      ),
    });
    const repo = await ensureRepository("newsrepo", target.dir);
    await syncRepository(repo);
    const sha = target.git("rev-parse", "HEAD");
    const { hook } = await addHook({ events: ["lane.failed"], format: "slack", path: "/slack" });
    const { hook: json } = await addHook({ events: ["lane.failed"] });
    // finished after the hooks were added (a hook hears of what happens from then on)
    const now = new Date();
    const failed = await insertRun({
      repositoryId: repo.id,
      sha,
      lane: "smoke",
      status: "failed",
      queuedAt: now,
      branch: "main",
    });
    await db().run.update({
      where: { id: failed.id },
      data: { reason: "node02: [FAILED] chainfire.service\nsecond line <b>" },
    });
    await insertRun({ repositoryId: repo.id, sha, lane: "smoke", status: "timed_out", queuedAt: now, branch: "main" });
    await insertRun({ repositoryId: repo.id, sha, lane: "lint", status: "failed", queuedAt: now, branch: "main" });
    await insertRun({ repositoryId: repo.id, sha, lane: "smoke", status: "error", queuedAt: now, branch: "main" });
    await insertRun({ repositoryId: repo.id, sha, lane: "smoke", status: "lost", queuedAt: now, branch: "main" });
    await insertRun({ repositoryId: repo.id, sha, lane: "smoke", status: "passed", queuedAt: now, branch: "main" });
    expect(await tick()).toMatchObject({ delivered: 4 });
    const payloads = received.filter((r) => r.url === "/hook").map((r) => JSON.parse(r.body));
    expect(payloads.map((p) => p.status).sort()).toEqual(["failed", "timed_out"]);
    const f = payloads.find((p) => p.status === "failed");
    expect(f).toMatchObject({
      version: 1,
      event: "lane.failed",
      repository: "newsrepo",
      branch: "main",
      commit: sha,
      lane: "smoke",
      gates: ["release"],
      failureKind: null,
      attempt: 1,
      run: { id: failed.id, url: `https://proofboard.example/runs/${failed.id}` },
    });
    const slack = received.filter((r) => r.url === "/slack").map((r) => JSON.parse(r.body).text as string);
    expect(slack).toContain(
      `:x: smoke failed on main at ${sha.slice(0, 10)} (release gate release): node02: [FAILED] chainfire.service second line &lt;b&gt;`,
    );
    expect(await deliveries(hook)).toHaveLength(2);
    expect(await deliveries(json)).toHaveLength(2);
    // the lint failure made an event (so it is not looked at again) with nobody to tell
    expect(await db().notificationEvent.count({ where: { kind: "lane.failed" } })).toBe(3);
    expect(await tick()).toMatchObject({ delivered: 0 });
  });
});

describe("commit statuses", () => {
  const forges = [
    {
      forge: "github",
      api: "/gh",
      repo: "ultra/cloud",
      path: `/gh/repos/ultra/cloud/statuses/${SHA}`,
      auth: (h: http.IncomingHttpHeaders) =>
        expect(h).toMatchObject({
          authorization: "Bearer tok_123",
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
        }),
      body: (ready: boolean, context: string) => ({ state: ready ? "success" : "failure", context }),
    },
    {
      forge: "gitea",
      api: "/gitea/api/v1",
      repo: "ultra/cloud",
      path: `/gitea/api/v1/repos/ultra/cloud/statuses/${SHA}`,
      auth: (h: http.IncomingHttpHeaders) => expect(h).toMatchObject({ authorization: "token tok_123" }),
      body: (ready: boolean, context: string) => ({ state: ready ? "success" : "failure", context }),
    },
    {
      forge: "gitlab",
      api: "/gl/api/v4",
      repo: "group/sub/cloud",
      path: `/gl/api/v4/projects/group%2Fsub%2Fcloud/statuses/${SHA}`,
      auth: (h: http.IncomingHttpHeaders) => expect(h).toMatchObject({ "private-token": "tok_123" }),
      body: (ready: boolean, context: string) => ({ state: ready ? "success" : "failed", name: context, ref: "main" }),
    },
  ] as const;

  for (const f of forges) {
    it(`${f.forge}: posts proofboard/release-ready and proofboard/gate/<gate> for the head commit`, async () => {
      Object.assign(process.env, {
        PROOFBOARD_FORGE: f.forge,
        PROOFBOARD_FORGE_API_URL: `${base}${f.api}`,
        PROOFBOARD_FORGE_TOKEN: "tok_123",
        PROOFBOARD_FORGE_REPO: f.repo,
      });
      resetEnvCache();
      try {
        await change({ ready: false, missing: ["fresh-smoke"], initial: true });
        await change({ ready: true, gate: "publishable-kvm" });
        // another repository's changes are not this forge's business
        const other = await ensureRepository("elsewhere", "/nonexistent-2");
        await change({ ready: true, repositoryId: other.id });
        expect(await tick()).toMatchObject({ delivered: 2 });
        expect(received.map((r) => [r.method, r.url])).toEqual([
          ["POST", f.path],
          ["POST", f.path],
        ]);
        for (const r of received) {
          f.auth(r.headers);
          expect(r.headers["content-type"]).toBe("application/json");
          expect(r.headers["x-proofboard-signature"]).toBeUndefined();
        }
        const bodies = received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
        const release = bodies.find((b) => (b.context ?? b.name) === "proofboard/release-ready");
        const gate = bodies.find((b) => (b.context ?? b.name) === "proofboard/gate/publishable-kvm");
        expect(release).toMatchObject({
          ...f.body(false, "proofboard/release-ready"),
          target_url: "https://proofboard.example/branches/main",
          description: "NOT READY: missing fresh-smoke",
        });
        expect(gate).toMatchObject({
          ...f.body(true, "proofboard/gate/publishable-kvm"),
          description: "green: every lane of the gate passed",
        });
        const listed = await deliveries("forge");
        expect(listed.map((d) => d.status)).toEqual(["delivered", "delivered"]);
        expect(JSON.stringify(listed)).not.toContain("tok_123");
      } finally {
        for (const k of [
          "PROOFBOARD_FORGE",
          "PROOFBOARD_FORGE_API_URL",
          "PROOFBOARD_FORGE_TOKEN",
          "PROOFBOARD_FORGE_REPO",
        ])
          delete process.env[k];
        resetEnvCache();
      }
    });
  }

  it("a newer status of the same commit and context wins over an older one still waiting", async () => {
    Object.assign(process.env, {
      PROOFBOARD_FORGE: "github",
      PROOFBOARD_FORGE_API_URL: `${base}/gh`,
      PROOFBOARD_FORGE_TOKEN: "tok_123",
      PROOFBOARD_FORGE_REPO: "o/r",
    });
    resetEnvCache();
    try {
      respond = (_r, res) => res.writeHead(502).end("bad gateway");
      await change({ ready: false, missing: ["a"] });
      expect(await tick()).toMatchObject({ retry: 1 });
      respond = (_r, res) => res.writeHead(201).end("{}");
      await change({ ready: true });
      await db()
        .$executeRaw`UPDATE notification_delivery SET next_attempt_at = now() - interval '1 second' WHERE status = 'pending'`;
      expect(await tick()).toMatchObject({ delivered: 1 });
      const listed = await deliveries("forge");
      expect(listed.map((d) => d.status).sort()).toEqual(["delivered", "superseded"]);
      expect(JSON.parse(received.at(-1)!.body).state).toBe("success");
      const old = listed.find((d) => d.status === "superseded")!;
      await expect((await admin()).news.redeliver({ id: old.id })).rejects.toMatchObject({ code: "CONFLICT" });
    } finally {
      for (const k of [
        "PROOFBOARD_FORGE",
        "PROOFBOARD_FORGE_API_URL",
        "PROOFBOARD_FORGE_TOKEN",
        "PROOFBOARD_FORGE_REPO",
      ])
        delete process.env[k];
      resetEnvCache();
    }
  });
});

describe("CLI", () => {
  /** argv straight to node, against the real API over HTTP, as an admin's token. */
  function cli(apiUrl: string, token: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        cliArgv(args),
        {
          cwd: path.resolve(import.meta.dirname, "../.."),
          timeout: 60_000,
          env: {
            ...process.env,
            PROOFBOARD_API_URL: apiUrl,
            PROOFBOARD_TOKEN: token,
            PROOFBOARD_CONFIG_DIR: "/nonexistent-pb-config",
            NO_COLOR: "1",
          },
        },
        (error, out, err) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out, err }),
      );
    });
  }

  it("lists hooks and deliveries and redelivers, for admins only", async () => {
    const api = await serveApi();
    try {
      const adminUser = await testUser("admin", "news-admin");
      const token = (
        await createApiToken({ userId: adminUser.id, name: "cli", scope: "admin", days: 1, createdById: adminUser.id })
      ).token;
      const operator = await testUser("operator", "news-operator");
      const opToken = (
        await createApiToken({ userId: operator.id, name: "cli", scope: "operate", days: 1, createdById: operator.id })
      ).token;
      const { hook } = await addHook();
      respond = (_r, res) => res.writeHead(500).end("nope");
      await change({ ready: false, branch: "feat/\u001b[31mred", missing: ["x"] });
      await tick();
      const listed = await cli(api.url, token, ["hooks"]);
      expect(listed.code).toBe(0);
      expect(listed.out).toContain(hook.id);
      expect(listed.out).toContain("commit statuses: off");
      const rows = await deliveries(hook);
      expect(rows).toMatchObject([{ status: "pending", responseStatus: 500 }]);
      const text = await cli(api.url, token, ["deliveries", hook.id]);
      expect(text.out).toContain(rows[0]!.id);
      expect(text.out).toContain("HTTP 500");
      expect(text.out).not.toContain("\u001b");
      expect(await cli(api.url, token, ["redeliver", rows[0]!.id])).toMatchObject({ code: 0 });
      expect((await deliveries(hook))[0]!.attempts).toBe(0);
      expect((await cli(api.url, token, ["deliveries", "../../etc"])).code).toBe(2);
      const refused = await cli(api.url, opToken, ["hooks"]);
      expect(refused.code).toBe(4);
      expect(refused.err).toMatch(/needs an admin/);
    } finally {
      await api.close();
    }
  }, 180_000);
});
