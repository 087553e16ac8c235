import { describe, expect, it } from "vitest";
import { statusRequest } from "./forge";
import { branchMatches, checkHookUrl, shownUrl } from "./hooks";
import {
  clean,
  headline,
  signature,
  slackMessage,
  verifySignature,
  type LaneFailedPayload,
  type ReadinessPayload,
} from "./payloads";

const SHA = "a".repeat(40);
const ready: ReadinessPayload = {
  version: 1,
  event: "readiness.changed",
  id: "readiness:1",
  at: "2026-12-01T00:00:00.000Z",
  repository: "ultracloud",
  branch: "main",
  commit: SHA,
  commitSubject: "fix: *things*",
  gate: null,
  ready: true,
  missing: [],
  initial: false,
  run: null,
  url: "https://pb.example/branches/main",
};

describe("news payloads", () => {
  it("signs timestamp.body with HMAC-SHA256 (the documented receiver check)", () => {
    // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 's3cret-s3cret-s3cret'
    const sig = signature("s3cret-s3cret-s3cret", 1700000000, '{"a":1}');
    expect(sig).toBe("sha256=79a6c445ff099c53dc2ea6b6df3e4609699187aa67857a2783882ea8fd1e5c11");
    expect(verifySignature("s3cret-s3cret-s3cret", "1700000000", '{"a":1}', sig)).toBe(true);
    expect(verifySignature("s3cret-s3cret-s3creT", "1700000000", '{"a":1}', sig)).toBe(false);
    expect(verifySignature("s3cret-s3cret-s3cret", "1700000000", '{"a":1}', "sha256=00")).toBe(false);
  });

  it("says readiness in one line, many missing lanes counted", () => {
    expect(headline(ready)).toBe("main is READY at aaaaaaaaaa — all release gates green");
    const missing = Array.from({ length: 11 }, (_, i) => `lane-${i}`);
    expect(headline({ ...ready, ready: false, missing })).toBe(
      `main is NOT READY at aaaaaaaaaa: missing ${missing.slice(0, 8).join(", ")} and 3 more`,
    );
    expect(headline({ ...ready, gate: "g", ready: false, missing: ["x"] })).toBe(
      "gate g is red on main at aaaaaaaaaa: missing x",
    );
  });

  it("keeps control characters out of text and escapes Slack markup", () => {
    expect(clean("a\nb\u0000c\u2028d")).toBe("a b c d");
    const failed: LaneFailedPayload = {
      version: 1,
      event: "lane.failed",
      id: "run:x",
      at: ready.at,
      repository: "r",
      branch: "b<&>",
      commit: SHA,
      lane: "l",
      gates: ["g"],
      status: "timed_out",
      failureKind: "timeout",
      reason: "line1\nline2",
      attempt: 2,
      run: { id: "x", url: "https://pb.example/runs/x" },
      url: "https://pb.example/branches/b",
    };
    const m = slackMessage(failed);
    expect(m.text).toBe(":x: l timed out on b&lt;&amp;&gt; at aaaaaaaaaa (release gate g): line1 line2");
    expect(JSON.stringify(m.blocks)).toContain("<https://pb.example/runs/x|the run>");
    expect(JSON.stringify(slackMessage(ready).blocks)).toContain("fix: *things*");
  });

  it("refuses non-http URLs and hides a URL's path after the first segment", () => {
    for (const bad of ["javascript:alert(1)", "file:///etc/passwd", "gopher://x", "http://a:b@x/"])
      expect(() => checkHookUrl(bad)).toThrow();
    expect(checkHookUrl(" https://example.com/hook#frag ")).toBe("https://example.com/hook");
    expect(shownUrl("https://hooks.slack.com/services/T/B/secret")).toBe("https://hooks.slack.com/services/…");
    expect(shownUrl("https://example.com/hook")).toBe("https://example.com/hook");
    expect(shownUrl("https://example.com/hook?token=1")).toBe("https://example.com/hook/…");
  });

  it("matches branch patterns literally but for *", () => {
    expect(branchMatches("release/*", "release/2026.11")).toBe(true);
    expect(branchMatches("release/*", "main")).toBe(false);
    expect(branchMatches("main,release/*", "main")).toBe(true);
    expect(branchMatches("a.b", "axb")).toBe(false);
    expect(branchMatches("(x+)+y", "(x+)+y")).toBe(true);
    expect(branchMatches(null, "anything")).toBe(true);
  });

  it("builds each forge's status request; a sha that is not a full sha gets none", () => {
    const gh = statusRequest(
      { forge: "github", apiUrl: "https://api.github.com", repo: "o/r" },
      { ...ready, gate: "g\nx" },
    )!;
    expect(gh.url).toBe(`https://api.github.com/repos/o/r/statuses/${SHA}`);
    expect(JSON.parse(gh.body)).toEqual({
      state: "success",
      target_url: ready.url,
      description: "green: every lane of the gate passed",
      context: "proofboard/gate/g x",
    });
    const gl = statusRequest(
      { forge: "gitlab", apiUrl: "https://gitlab.com/api/v4", repo: "g/p" },
      { ...ready, ready: false, missing: ["m".repeat(200)] },
    )!;
    expect(gl.url).toBe(`https://gitlab.com/api/v4/projects/g%2Fp/statuses/${SHA}`);
    const body = JSON.parse(gl.body);
    expect(body).toMatchObject({ state: "failed", name: "proofboard/release-ready", ref: "main" });
    expect(body.description.length).toBeLessThanOrEqual(140);
    expect(statusRequest({ forge: "github", apiUrl: "x", repo: "o/r" }, { ...ready, commit: "../../x" })).toBeNull();
  });
});
