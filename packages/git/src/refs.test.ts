import { describe, expect, it } from "vitest";
import { checkRefName, isSha, validateRepositoryUrl } from "./refs";
import { runGit } from "./run";

/** What git itself says about `refs/heads/<name>`. */
async function gitAccepts(name: string): Promise<boolean> {
  return runGit(["check-ref-format", `refs/heads/${name}`]).then(
    () => true,
    () => false,
  );
}

describe("checkRefName", () => {
  const valid = [
    "main",
    "feature/fiberlb-rework",
    "release/2026.11",
    "-x",
    "-rf",
    "--upload-pack=touch${IFS}pwned",
    "$(touch${IFS}pwned)",
    "`touch${IFS}pwned`",
    "a;touch${IFS}pwned",
    "a{b}",
    "a@b",
    "x.lockfile",
    "é/ünïcode/🚀",
    "a".repeat(255),
  ];
  it.each(valid)("accepts %j", (name) => {
    expect(checkRefName(name)).toEqual({ ok: true });
  });

  const invalid: [string, string][] = [
    ["", "is empty"],
    ["@", 'is "@", which git reads as HEAD'],
    ["a..b", 'contains ".."'],
    ["a b", "contains a space"],
    ["a\tb", "contains the control character 0x09"],
    ["a\nb", "contains the control character 0x0a"],
    ["a\x7fb", "contains the control character 0x7f"],
    ["a~1", 'contains "~"'],
    ["a^", 'contains "^"'],
    ["a:b", 'contains ":"'],
    ["a?", 'contains "?"'],
    ["a*", 'contains "*"'],
    ["a[b", 'contains "["'],
    ["a\\b", 'contains "\\"'],
    ["a@{1}", 'contains "@{"'],
    [".hidden", 'has a component starting with "." (".hidden")'],
    ["a/.b", 'has a component starting with "." (".b")'],
    ["a.lock", 'has a component ending with ".lock" ("a.lock")'],
    ["a.lock/b", 'has a component ending with ".lock" ("a.lock")'],
    ["a/", 'ends with "/"'],
    ["/a", 'starts with "/"'],
    ["a//b", 'contains "//"'],
    ["a.", 'ends with "."'],
    ["a".repeat(256), "is longer than 255 bytes"],
    ["é".repeat(128), "is longer than 255 bytes"],
    ["a\uD800b", "is not valid Unicode"],
  ];
  it.each(invalid)("refuses %j: %s", (name, reason) => {
    expect(checkRefName(name)).toEqual({ ok: false, reason });
  });

  it("agrees with git check-ref-format on every name git can judge", async () => {
    expect(await Promise.all(valid.map(gitAccepts))).toEqual(valid.map(() => true));
    // Our own rules (byte limit, "@", lone surrogates) are stricter than git; the rest is git's.
    const ours = new Set(["@", "a".repeat(256), "é".repeat(128), "a\uD800b"]);
    const gitRules = invalid.map(([name]) => name).filter((n) => !ours.has(n));
    expect(await Promise.all(gitRules.map(gitAccepts))).toEqual(gitRules.map(() => false));
  });
});

describe("isSha", () => {
  it("accepts full lowercase SHA-1 and SHA-256 ids only", () => {
    expect(isSha("a".repeat(40))).toBe(true);
    expect(isSha("0123456789abcdef".repeat(4))).toBe(true);
    expect(isSha("A".repeat(40))).toBe(false);
    expect(isSha("a".repeat(39))).toBe(false);
    expect(isSha("a".repeat(41))).toBe(false);
    expect(isSha("abc123")).toBe(false);
    expect(isSha(`-${"a".repeat(39)}`)).toBe(false);
    expect(isSha(`${"a".repeat(40)}\n`)).toBe(false);
  });
});

describe("validateRepositoryUrl", () => {
  it.each([
    "/srv/git/ultracloud.git",
    "/home/me/my repos/demo",
    "file:///srv/git/ultracloud.git",
    "https://github.com/ultracloud/ultracloud.git",
    "ssh://git@github.com/ultracloud/ultracloud.git",
    "git@github.com:ultracloud/ultracloud.git",
  ])("accepts %j", (url) => {
    expect(validateRepositoryUrl(url)).toEqual({ ok: true });
  });

  it.each([
    ["", /empty/],
    ["--upload-pack=x", /starts with "-"/],
    ["-oProxyCommand=touch pwned", /starts with "-"/],
    ["ext::sh -c touch pwned", /"ext::" remote helper/],
    ["fd::17", /"fd::" remote helper/],
    ["https://example.com/a\nb", /control character/],
    ["/srv/git/a\x00b", /control character/],
    ["http://example.com/a.git", /scheme "http:\/\/" is not supported/],
    ["git://example.com/a.git", /scheme "git:\/\/" is not supported/],
    ["ssh://-oProxyCommand=touch%20pwned/x", /starts with "-"/],
    ["git@-oProxyCommand=x:repo", /must be an absolute path/],
    ["git@host:-repo", /path starts with "-"/],
    ["relative/path", /must be an absolute path/],
    ["https://", /not a valid URL|no host/],
  ])("refuses %j", (url, reason) => {
    const result = validateRepositoryUrl(url);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
