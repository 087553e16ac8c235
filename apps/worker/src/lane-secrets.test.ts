import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LaneSecrets, loadLaneSecrets, parseLaneSecrets } from "./lane-secrets";

const FILE = "/etc/proofboard/lane-secrets";
const parse = (text: string) => parseLaneSecrets(text, FILE);
const refusal = (text: string) => {
  try {
    parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("accepted");
};

describe("parseLaneSecrets", () => {
  it("gives every lane the top entries and a lane its own section's over them", () => {
    const set = parse(
      [
        "# registry credentials",
        "REGISTRY_TOKEN=tok-everyone",
        "  # indented comment",
        "",
        "URL=https://x.example/?a=b#frag  ",
        "[fresh-smoke]",
        "REGISTRY_TOKEN=tok-smoke-only",
        "SSH_KEY_PASSPHRASE=correct horse",
        "[other.lane]",
        "EMPTY=",
      ].join("\r\n"),
    );
    expect(set.forLane("fresh-smoke")).toEqual({
      REGISTRY_TOKEN: "tok-smoke-only",
      URL: "https://x.example/?a=b#frag  ",
      SSH_KEY_PASSPHRASE: "correct horse",
    });
    expect(set.forLane("unnamed")).toEqual({ REGISTRY_TOKEN: "tok-everyone", URL: "https://x.example/?a=b#frag  " });
    expect(set.forLane("other.lane")).toEqual({
      REGISTRY_TOKEN: "tok-everyone",
      URL: "https://x.example/?a=b#frag  ",
      EMPTY: "",
    });
    // every value, whoever it is for: each is masked in every console
    expect(set.values).toEqual([
      "tok-everyone",
      "https://x.example/?a=b#frag  ",
      "tok-smoke-only",
      "correct horse",
      "",
    ]);
    expect(set.warnings).toEqual([
      `${FILE}:5: URL ends in white space, which is part of its value`,
      `${FILE}:10: EMPTY is shorter than 4 bytes: exported, but not masked in consoles`,
    ]);
    expect(set.summary()).toBe(
      `lane secrets ${FILE}: every lane: REGISTRY_TOKEN, URL; fresh-smoke: REGISTRY_TOKEN, SSH_KEY_PASSPHRASE; other.lane: EMPTY`,
    );
  });

  it("refuses a malformed line with its file:line, never showing what the line holds", () => {
    expect(refusal("A=1\nghp_abcdefSECRET\n")).toBe(
      `${FILE}:2: expected NAME=value, [lane-name] or a # comment (the line is not shown: it may hold a secret)`,
    );
    const bad = refusal("dGhpcyBpcyBzZWNyZXQ=");
    expect(bad).toBe(
      `${FILE}:1: the name before "=" must be capital letters, digits and '_', not starting with a digit, no spaces (not shown: it may hold a secret)`,
    );
    expect(bad).not.toContain("dGhp");
    expect(refusal("lower=x")).toMatch(/^\/etc\/proofboard\/lane-secrets:1: the name before "="/);
    expect(refusal(" TOKEN=x")).toMatch(/:1: the name before "="/);
    expect(refusal("TOKEN =x")).toMatch(/:1: the name before "="/);
    expect(refusal("1TOKEN=x")).toMatch(/:1: the name before "="/);
    expect(refusal("PROOFBOARD_RUN_ID=x")).toBe(
      `${FILE}:1: PROOFBOARD_RUN_ID: PROOFBOARD_* variables are set by Proofboard itself`,
    );
    expect(refusal("A=one\n\nA=two")).toBe(`${FILE}:3: A is already set at line 1`);
    expect(refusal("[smoke]\nA=one\nA=two")).toBe(`${FILE}:3: A is already set in [smoke] at line 2`);
    expect(refusal("[smoke]\n[smoke]")).toBe(`${FILE}:2: [smoke] appears twice; keep one section per lane`);
    expect(refusal("[Smoke Test]")).toMatch(/^\/etc\/proofboard\/lane-secrets:1: a section is \[lane-name\]/);
    expect(refusal("[smoke")).toMatch(/:1: a section is \[lane-name\]/);
    expect(refusal("A=x\0y")).toBe(`${FILE}:1: A: a value cannot hold a NUL byte`);
  });
});

describe("loadLaneSecrets", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pb-lane-secrets-"));

  it("reads a file private to the worker's user, and refuses one open to group or others with the chmod to run", async () => {
    const file = path.join(dir, "ok");
    writeFileSync(file, "TOKEN=abcd1234\n", { mode: 0o600 });
    expect((await loadLaneSecrets(file)).forLane("x")).toEqual({ TOKEN: "abcd1234" });
    chmodSync(file, 0o400);
    expect((await loadLaneSecrets(file)).values).toEqual(["abcd1234"]);
    for (const mode of [0o640, 0o604, 0o644, 0o620]) {
      chmodSync(file, mode);
      await expect(loadLaneSecrets(file)).rejects.toThrow(
        `${file}: the lane secrets file is open to group or others (mode 0${mode.toString(8)}); it must be 0600 or stricter: run chmod 600 ${file}`,
      );
    }
    const spaced = path.join(dir, "with space");
    writeFileSync(spaced, "", { mode: 0o644 });
    await expect(loadLaneSecrets(spaced)).rejects.toThrow(`run chmod 600 '${spaced}'`);
  });

  it("says plainly when the file is missing or not a file, and has no secrets when unset", async () => {
    await expect(loadLaneSecrets(path.join(dir, "missing"))).rejects.toThrow(
      /missing: cannot read the lane secrets file \(ENOENT.*\); PROOFBOARD_LANE_SECRETS must name a file/,
    );
    await expect(loadLaneSecrets(dir)).rejects.toThrow(
      `${dir}: cannot read the lane secrets file (not a regular file)`,
    );
    expect((await loadLaneSecrets(undefined)).values).toEqual([]);
  });

  it("reads the file again when it changes; a broken change is logged and the last good secrets stay", async () => {
    const file = path.join(dir, "changing");
    writeFileSync(file, "TOKEN=first-value\n", { mode: 0o600 });
    const log: string[] = [];
    const secrets = await LaneSecrets.open(file, (l) => log.push(l));
    expect((await secrets.current()).forLane("a")).toEqual({ TOKEN: "first-value" });
    writeFileSync(file, "TOKEN=second-value-longer\n");
    expect((await secrets.current()).forLane("a")).toEqual({ TOKEN: "second-value-longer" });
    chmodSync(file, 0o644);
    expect((await secrets.current()).forLane("a")).toEqual({ TOKEN: "second-value-longer" });
    expect(log).toEqual([
      `lane secrets ${file}: every lane: TOKEN (read again: the file changed)`,
      `${file}: the lane secrets file is open to group or others (mode 0644); it must be 0600 or stricter: run chmod 600 ${file}; lanes keep the secrets read before until it is fixed`,
    ]);
    expect(log.join("\n")).not.toContain("value");
  });
});
