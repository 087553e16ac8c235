import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  checkWebhookSignature,
  normalizeRepoUrl,
  parseBranchChange,
  repositoryMatches,
  webhookDeliveryId,
  webhookEvent,
} from "./webhooks";

const SECRET = "unit-test-secret-0123456789";
const body = Buffer.from('{"ref":"refs/heads/main"}');
const hex = (b: Buffer, key = SECRET) => createHmac("sha256", key).update(b).digest("hex");
const SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const ZERO = "0".repeat(40);
const push = (p: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ after: SHA, repository: { full_name: "o/r" }, ...p }));

describe("checkWebhookSignature", () => {
  it("accepts GitHub's sha256=<hmac> of the raw bytes and refuses anything else", () => {
    expect(
      checkWebhookSignature("github", new Headers({ "x-hub-signature-256": `sha256=${hex(body)}` }), body, SECRET),
    ).toBeNull();
    expect(
      checkWebhookSignature(
        "github",
        new Headers({ "x-hub-signature-256": `sha256=${hex(body).toUpperCase()}` }),
        body,
        SECRET,
      ),
    ).toBeNull();
    expect(checkWebhookSignature("github", new Headers(), body, SECRET)).toMatch(/^unsigned/);
    expect(checkWebhookSignature("github", new Headers({ "x-hub-signature-256": hex(body) }), body, SECRET)).toMatch(
      /not sha256=/,
    );
    expect(
      checkWebhookSignature(
        "github",
        new Headers({ "x-hub-signature-256": `sha256=${hex(body, "another-secret-0123456")}` }),
        body,
        SECRET,
      ),
    ).toMatch(/does not match/);
    const tampered = Buffer.from('{"ref":"refs/heads/mair"}');
    expect(
      checkWebhookSignature("github", new Headers({ "x-hub-signature-256": `sha256=${hex(body)}` }), tampered, SECRET),
    ).toMatch(/does not match/);
    // a short signature must be refused, not crash timingSafeEqual on unequal lengths
    expect(
      checkWebhookSignature("github", new Headers({ "x-hub-signature-256": "sha256=abcd" }), body, SECRET),
    ).toMatch(/not sha256=/);
  });

  it("accepts Gitea's bare hex signature, or its X-Hub-Signature-256", () => {
    expect(checkWebhookSignature("gitea", new Headers({ "x-gitea-signature": hex(body) }), body, SECRET)).toBeNull();
    expect(
      checkWebhookSignature("gitea", new Headers({ "x-hub-signature-256": `sha256=${hex(body)}` }), body, SECRET),
    ).toBeNull();
    expect(
      checkWebhookSignature("gitea", new Headers({ "x-gitea-signature": hex(Buffer.from("x")) }), body, SECRET),
    ).toMatch(/does not match/);
    expect(checkWebhookSignature("gitea", new Headers(), body, SECRET)).toMatch(/^unsigned/);
  });

  it("compares GitLab's token with the secret", () => {
    expect(checkWebhookSignature("gitlab", new Headers({ "x-gitlab-token": SECRET }), body, SECRET)).toBeNull();
    expect(checkWebhookSignature("gitlab", new Headers({ "x-gitlab-token": `${SECRET}x` }), body, SECRET)).toMatch(
      /does not match/,
    );
    expect(checkWebhookSignature("gitlab", new Headers({ "x-gitlab-token": "" }), body, SECRET)).toMatch(
      /does not match/,
    );
    expect(checkWebhookSignature("gitlab", new Headers(), body, SECRET)).toMatch(/^unsigned/);
  });
});

describe("webhookDeliveryId and webhookEvent", () => {
  it("reads each forge's delivery id, bounded", () => {
    expect(
      webhookDeliveryId("github", new Headers({ "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958" })),
    ).toEqual({ ok: true, value: "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
    expect(webhookDeliveryId("gitea", new Headers({ "x-gitea-delivery": "d1" }))).toEqual({ ok: true, value: "d1" });
    expect(webhookDeliveryId("gitlab", new Headers({ "idempotency-key": "k1" }))).toEqual({ ok: true, value: "k1" });
    expect(webhookDeliveryId("gitlab", new Headers({ "x-gitlab-event-uuid": "u1", "idempotency-key": "k1" }))).toEqual({
      ok: true,
      value: "u1",
    });
    expect(webhookDeliveryId("github", new Headers({ "x-gitea-delivery": "d1" })).ok).toBe(false);
    expect(webhookDeliveryId("github", new Headers({ "x-github-delivery": "a b" })).ok).toBe(false);
    expect(webhookDeliveryId("github", new Headers({ "x-github-delivery": "x".repeat(201) })).ok).toBe(false);
  });

  it("maps event headers", () => {
    expect(webhookEvent("github", new Headers({ "x-github-event": "ping" }))).toEqual({
      ok: true,
      value: { kind: "ping" },
    });
    expect(webhookEvent("gitea", new Headers({ "x-gitea-event": "delete" }))).toEqual({
      ok: true,
      value: { kind: "delete" },
    });
    expect(webhookEvent("gitlab", new Headers({ "x-gitlab-event": "Push Hook" }))).toEqual({
      ok: true,
      value: { kind: "push" },
    });
    expect(webhookEvent("gitlab", new Headers({ "x-gitlab-event": "Tag Push Hook" }))).toEqual({
      ok: true,
      value: { kind: "other", name: "Tag Push Hook" },
    });
    expect(webhookEvent("github", new Headers()).ok).toBe(false);
  });
});

describe("parseBranchChange", () => {
  it("reads a branch push, a deletion and GitLab's project fields", () => {
    expect(parseBranchChange("push", push({ ref: "refs/heads/feature/x" }))).toEqual({
      ok: true,
      change: { branch: "feature/x", after: SHA, repository: { name: "o/r", urls: [] } },
    });
    const gone = parseBranchChange("push", push({ ref: "refs/heads/x", after: ZERO, deleted: true }));
    expect(gone.ok && gone.change.after).toBeNull();
    const gitlab = parseBranchChange(
      "push",
      Buffer.from(
        JSON.stringify({
          ref: "refs/heads/main",
          after: SHA,
          project: { path_with_namespace: "g/p", git_http_url: "https://gl.example/g/p.git" },
        }),
      ),
    );
    expect(gitlab.ok && gitlab.change.repository).toEqual({ name: "g/p", urls: ["https://gl.example/g/p.git"] });
    expect(
      parseBranchChange(
        "delete",
        Buffer.from(JSON.stringify({ ref: "old", ref_type: "branch", repository: { full_name: "o/r" } })),
      ),
    ).toMatchObject({ ok: true, change: { branch: "old", after: null } });
  });

  it("ignores tags", () => {
    expect(parseBranchChange("push", push({ ref: "refs/tags/v1" }))).toMatchObject({ ok: false, status: 202 });
    expect(parseBranchChange("delete", Buffer.from(JSON.stringify({ ref: "v1", ref_type: "tag" })))).toMatchObject({
      ok: false,
      status: 202,
    });
  });

  it("refuses hostile or malformed values with a 400", () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.from("not json"), /not JSON/],
      [Buffer.from("[1]"), /not a JSON object/],
      [push({}), /ref is missing/],
      [push({ ref: "refs/remotes/origin/main" }), /is not refs\/heads/],
      [push({ ref: "refs/heads/a..b" }), /contains "\.\."/],
      [push({ ref: "refs/heads/$(touch pwned)" }), /contains a space/],
      [push({ ref: "refs/heads/x\nInjected: 1" }), /control character/],
      [push({ ref: "refs/heads/x", after: "HEAD~1" }), /after is not a full commit SHA/],
      [push({ ref: "refs/heads/x", after: SHA.slice(0, 12) }), /after is not a full commit SHA/],
      [push({ ref: "refs/heads/x", deleted: "yes" }), /deleted is not a boolean/],
      [Buffer.from(JSON.stringify({ ref: "refs/heads/x", after: SHA })), /names no repository/],
      [Buffer.from(JSON.stringify({ ref: "x", ref_type: "$(id)" })), /ref_type/],
    ];
    for (const [b, message] of cases) {
      const r = parseBranchChange(b.toString().includes("ref_type") ? "delete" : "push", b);
      expect(r.ok ? "accepted" : `${r.status} ${r.message}`).toMatch(new RegExp(`^400 .*${message.source}`));
    }
  });
});

describe("repositoryMatches", () => {
  const gh = {
    name: "Codertocat/Hello-World",
    urls: ["https://github.com/Codertocat/Hello-World.git", "git@github.com:Codertocat/Hello-World.git"],
  };

  it("matches the forge's URLs however they are spelled", () => {
    expect(normalizeRepoUrl("https://token:x@GitHub.com/Codertocat/Hello-World.git/")).toBe(
      "https://github.com/codertocat/hello-world",
    );
    expect(repositoryMatches("https://github.com/codertocat/hello-world", gh)).toBe(true);
    expect(repositoryMatches("git@github.com:Codertocat/Hello-World.git", gh)).toBe(true);
    expect(repositoryMatches("https://github.com/Codertocat/Hello-World-2", gh)).toBe(false);
    expect(repositoryMatches("https://gitlab.example/Codertocat/Hello-World", gh)).toBe(false);
  });

  it("matches a local path by the repository's name only", () => {
    expect(repositoryMatches("/srv/git/Hello-World", gh)).toBe(true);
    expect(repositoryMatches("file:///srv/git/hello-world.git", gh)).toBe(true);
    expect(repositoryMatches("/srv/git/Other", gh)).toBe(false);
  });
});
