import { createHmac, randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { env, resetEnvCache } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { ensureRepository, handleWebhook, syncRepository, type WebhookProvider } from "@proofboard/services";
import { resetDb } from "./helpers";

/** GitHub's published payload examples (see its README.md); sent byte for byte, as GitHub would. */
// GitHub's published examples (octokit/webhooks, MIT), copied byte for byte from shared/fixtures.
const FIXTURES = fileURLToPath(new URL("../fixtures/webhooks/github", import.meta.url));
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));
const SECRET = "integration-webhook-secret-0123456789";
const ZERO = "0".repeat(40);

const hmac = (body: Buffer, key = SECRET) => createHmac("sha256", key).update(body).digest("hex");

/** A fixture with some fields replaced; its `repository` (Codertocat/Hello-World) is kept. */
function variant(name: string, fields: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ ...(JSON.parse(fixture(name).toString("utf8")) as object), ...fields }));
}

function github(event: string, body: Buffer, opts: { id?: string; signature?: string | null } = {}) {
  const headers = new Headers({
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": opts.id ?? randomUUID(),
  });
  const signature = opts.signature === undefined ? `sha256=${hmac(body)}` : opts.signature;
  if (signature !== null) headers.set("x-hub-signature-256", signature);
  return handleWebhook("github", headers, body);
}

function call(provider: WebhookProvider, headers: Record<string, string>, body: Buffer) {
  return handleWebhook(provider, new Headers(headers), body);
}

// The source repository's folder is named like the fixture's repository: a local path matches by name.
let source: { dir: string; git: (...args: string[]) => string; commit: (file: string, message: string) => string };
let root: string;
const branch = (name: string) => db().branch.findFirst({ where: { repository: { name: "hello-world" }, name } });

beforeAll(async () => {
  process.env.PROOFBOARD_WEBHOOK_SECRET = SECRET;
  resetEnvCache();
  await resetDb();
  await db().$executeRawUnsafe("TRUNCATE webhook_delivery");
  root = mkdtempSync(path.join(os.tmpdir(), "pb-webhooks-"));
  const dir = path.join(root, "Hello-World");
  mkdirSync(dir);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
  const commit = (file: string, message: string) => {
    writeFileSync(path.join(dir, file), `${message}\n`);
    git("add", "-A");
    git("commit", "-q", "-m", message);
    return git("rev-parse", "HEAD");
  };
  source = { dir, git, commit };
  git("init", "-q", "-b", "main");
  commit("README", "initial");
  await syncRepository(await ensureRepository("hello-world", dir));
});

afterAll(async () => {
  delete process.env.PROOFBOARD_WEBHOOK_SECRET;
  resetEnvCache();
  await closeQueues();
  await disconnectDb();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("push webhooks: branches follow the repository", () => {
  it("is off (503) without a secret", async () => {
    delete process.env.PROOFBOARD_WEBHOOK_SECRET;
    resetEnvCache();
    try {
      expect(await github("ping", Buffer.from("{}"))).toMatchObject({
        status: 503,
        body: "webhooks are off: set PROOFBOARD_WEBHOOK_SECRET",
      });
    } finally {
      process.env.PROOFBOARD_WEBHOOK_SECRET = SECRET;
      resetEnvCache();
    }
  });

  it("answers a signed ping", async () => {
    expect(await github("ping", Buffer.from('{"zen":"Design for failure."}'))).toMatchObject({
      status: 200,
      body: "pong",
    });
  });

  it("a push that creates a branch: the branch and its commit show up (GitHub's own payload)", async () => {
    source.git("checkout", "-q", "-b", "master");
    const sha = source.commit("master.txt", "on master");
    source.git("checkout", "-q", "main");
    const res = await github("push", fixture("push-with-new-branch.payload.json"));
    expect(res.status).toBe(200);
    expect(res.contentType).toBe("application/json");
    expect(JSON.parse(res.body)).toEqual({ repository: "hello-world", added: ["master"], moved: [], deleted: [] });
    // git is the truth: the head is the source's commit, not the SHA the example payload names
    expect((await branch("master"))?.headSha).toBe(sha);
    expect(await db().commit.findFirst({ where: { sha } })).toMatchObject({ subject: "on master" });
  });

  it("a force-push moves the head", async () => {
    const first = source.commit("a.txt", "first");
    expect(
      (await github("push", variant("push-with-new-branch.payload.json", { ref: "refs/heads/main", after: first })))
        .status,
    ).toBe(200);
    expect((await branch("main"))?.headSha).toBe(first);
    source.git("reset", "-q", "--hard", "HEAD~1");
    const rewritten = source.commit("b.txt", "rewritten");
    const res = await github(
      "push",
      variant("push-with-new-branch.payload.json", {
        ref: "refs/heads/main",
        before: first,
        after: rewritten,
        forced: true,
        created: false,
      }),
    );
    expect(JSON.parse(res.body)).toMatchObject({ moved: ["main"] });
    expect((await branch("main"))?.headSha).toBe(rewritten);
  });

  it("a deleted branch is marked deleted, by a delete event or a push with deleted: true", async () => {
    source.git("branch", "-D", "master");
    const res = await github("delete", variant("delete-payload.json", { ref: "master", ref_type: "branch" }));
    expect(JSON.parse(res.body)).toMatchObject({ deleted: ["master"] });
    expect((await branch("master"))?.deletedAt).toBeInstanceOf(Date);

    source.git("branch", "short-lived");
    await github(
      "push",
      variant("push-with-new-branch.payload.json", {
        ref: "refs/heads/short-lived",
        after: source.git("rev-parse", "main"),
      }),
    );
    expect((await branch("short-lived"))?.deletedAt).toBeNull();
    source.git("branch", "-D", "short-lived");
    const push = await github(
      "push",
      variant("push-1.payload.json", { ref: "refs/heads/short-lived", after: ZERO, deleted: true }),
    );
    expect(JSON.parse(push.body)).toMatchObject({ deleted: ["short-lived"] });
    expect((await branch("short-lived"))?.deletedAt).toBeInstanceOf(Date);
  });

  it("ignores tags (202), as GitHub's tag payloads show", async () => {
    const tags = [
      ["push", "push-payload.json", "refs/tags/simple-tag"],
      ["push", "push-1.payload.json", "refs/tags/simple-tag"],
      ["delete", "delete-payload.json", "simple-tag"],
    ] as const;
    for (const [event, name, ref] of tags) {
      expect(await github(event, fixture(name))).toMatchObject({
        status: 202,
        body: `ignored: ${ref} is a tag; only branches are followed`,
      });
    }
    expect(await github("issues", Buffer.from("{}"))).toMatchObject({
      status: 202,
      body: "ignored: issues events are not followed",
    });
  });

  it("ignores (202) a repository nobody registered", async () => {
    const body = variant("push-with-new-branch.payload.json", {
      repository: { full_name: "someone/else", clone_url: "https://github.com/someone/else.git" },
    });
    expect(await github("push", body)).toMatchObject({
      status: 202,
      body: "ignored: no repository registered for someone/else",
    });
  });

  it("refuses a replayed delivery (409)", async () => {
    const id = randomUUID();
    const body = fixture("push-with-new-branch.payload.json");
    expect((await github("push", body, { id })).status).toBe(200);
    expect(await github("push", body, { id })).toMatchObject({
      status: 409,
      body: `delivery ${id} was already received`,
    });
    expect(await db().webhookDelivery.findUnique({ where: { id } })).toMatchObject({ provider: "github" });
  });

  it("refuses unsigned, wrongly signed and tampered deliveries (401) without recording them", async () => {
    const body = fixture("push-with-new-branch.payload.json");
    const id = randomUUID();
    expect(await github("push", body, { id, signature: null })).toMatchObject({
      status: 401,
      body: expect.stringMatching(/^unsigned/),
    });
    expect(
      (await github("push", body, { id, signature: `sha256=${hmac(body, "not-the-secret-0123456789")}` })).status,
    ).toBe(401);
    const tampered = Buffer.from(body.toString("utf8").replace('"refs/heads/master"', '"refs/heads/mastes"'));
    expect(tampered.equals(body)).toBe(false);
    expect(await github("push", tampered, { id, signature: `sha256=${hmac(body)}` })).toMatchObject({
      status: 401,
      body: expect.stringMatching(/does not match the body/),
    });
    expect(await db().webhookDelivery.findUnique({ where: { id } })).toBeNull();
    expect((await github("push", body, { id })).status).toBe(200);
  });

  it("refuses a body over 1 MiB (413), a missing delivery id or event (400)", async () => {
    expect((await github("push", Buffer.alloc(1024 * 1024 + 1, 0x20))).status).toBe(413);
    const body = fixture("push-with-new-branch.payload.json");
    const signed = { "x-hub-signature-256": `sha256=${hmac(body)}` };
    expect(await call("github", { ...signed, "x-github-event": "push" }, body)).toMatchObject({
      status: 400,
      body: expect.stringMatching(/X-GitHub-Delivery/i),
    });
    expect(await call("github", { ...signed, "x-github-delivery": randomUUID() }, body)).toMatchObject({
      status: 400,
      body: expect.stringMatching(/X-GitHub-Event/i),
    });
  });

  it("Gitea: X-Gitea-Signature", async () => {
    const after = source.git("rev-parse", "main");
    const body = Buffer.from(
      JSON.stringify({
        ref: "refs/heads/main",
        after,
        repository: {
          full_name: "codertocat/hello-world",
          clone_url: "https://gitea.example/codertocat/hello-world.git",
        },
      }),
    );
    const headers = { "x-gitea-event": "push", "x-gitea-delivery": randomUUID() };
    expect((await call("gitea", { ...headers, "x-gitea-signature": hmac(body) }, body)).status).toBe(200);
    expect(
      (
        await call(
          "gitea",
          {
            ...headers,
            "x-gitea-delivery": randomUUID(),
            "x-gitea-signature": hmac(body, "not-the-secret-0123456789"),
          },
          body,
        )
      ).status,
    ).toBe(401);
  });

  it("GitLab: the right token is taken, a wrong one refused", async () => {
    const after = source.commit("c.txt", "from gitlab");
    const body = Buffer.from(
      JSON.stringify({
        object_kind: "push",
        ref: "refs/heads/main",
        after,
        project: {
          path_with_namespace: "codertocat/Hello-World",
          git_http_url: "https://gitlab.example/codertocat/Hello-World.git",
        },
      }),
    );
    const headers = { "x-gitlab-event": "Push Hook", "x-gitlab-event-uuid": randomUUID() };
    expect(await call("gitlab", { ...headers, "x-gitlab-token": "wrong-token-0123456789" }, body)).toMatchObject({
      status: 401,
    });
    expect(await call("gitlab", { "x-gitlab-event": "Push Hook", "x-gitlab-token": SECRET }, body)).toMatchObject({
      status: 400,
    });
    expect(await call("gitlab", { ...headers, "x-gitlab-token": SECRET }, body)).toMatchObject({ status: 200 });
    expect((await branch("main"))?.headSha).toBe(after);
  });

  it("hostile refs stay data: a shell-looking branch is just a name, a bad ref is a 400 that writes nothing", async () => {
    const name = "$(touch${IFS}pwned)";
    source.git("branch", "--", name);
    const res = await github(
      "push",
      variant("push-with-new-branch.payload.json", {
        ref: `refs/heads/${name}`,
        after: source.git("rev-parse", "main"),
      }),
    );
    expect(JSON.parse(res.body)).toMatchObject({ added: [name] });
    expect((await branch(name))?.headSha).toBe(source.git("rev-parse", "main"));

    const before = await db().branch.count();
    for (const [ref, reason] of [
      ["refs/heads/$(touch pwned)", "contains a space"],
      ["refs/heads/a/../../etc", 'contains ".."'],
      ["refs/heads/-x;touch pwned", "contains a space"],
    ] as const) {
      const bad = await github(
        "push",
        variant("push-with-new-branch.payload.json", { ref, after: ZERO.replace(/0/g, "a") }),
      );
      expect(bad).toMatchObject({ status: 400, body: expect.stringContaining(reason) });
    }
    expect(
      (await github("push", variant("push-with-new-branch.payload.json", { after: "HEAD; touch pwned" }))).status,
    ).toBe(400);
    expect(await db().branch.count()).toBe(before);
    for (const dir of [source.dir, root, env().PROOFBOARD_DATA_DIR]) {
      expect(
        readdirSync(dir, { recursive: true })
          .map(String)
          .filter((f) => path.basename(f) === "pwned"),
      ).toEqual([]);
    }
    for (const dir of [process.cwd(), os.tmpdir(), os.homedir()])
      expect(existsSync(path.join(dir, "pwned"))).toBe(false);
  });

  it("a sync that fails answers 502 and forgets the delivery, so the forge's Redeliver is not refused", async () => {
    await ensureRepository("broken", path.join(root, "Broken-Repo"));
    const body = variant("push-with-new-branch.payload.json", { repository: { full_name: "codertocat/Broken-Repo" } });
    const id = randomUUID();
    expect(await github("push", body, { id })).toMatchObject({
      status: 502,
      body: expect.stringContaining("sync of broken failed"),
    });
    expect((await github("push", body, { id })).status).toBe(502);
  });
});
