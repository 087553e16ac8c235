import {
  appendFileSync,
  type Dirent,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { consoleNameForFile, matchGlob, MAX_GLOB_DEPTH, tailSerialLogs } from "./serial-logs";

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "pb-glob-"));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  return root;
}

/** The real readdir, recording which folders it was asked for. */
function spiedReadDir(): { readDir: (dir: string) => Dirent[]; read: string[] } {
  const read: string[] = [];
  return { read, readDir: (dir) => (read.push(dir), readdirSync(dir, { withFileTypes: true })) };
}

const collect = () => {
  const got: Record<string, Buffer[]> = {};
  return {
    got,
    write: (c: string, d: Buffer) => void (got[c] ??= []).push(d),
    text: (c: string) => Buffer.concat(got[c] ?? []).toString("latin1"),
  };
};

async function until(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("matchGlob", () => {
  const root = tree({
    "work/serial/node01.log": "",
    "work/serial/node02.log": "",
    "work/serial/notes.txt": "",
    "work/serial/x/node03.log": "",
    "work/a/b/node04.log": "",
    "work/node05.log": "",
    "work/other.log": "",
  });
  const rel = (files: string[]) => files.map((f) => path.relative(root, f)).sort();

  it("matches * within a folder and ** across zero or more folders", () => {
    expect(rel(matchGlob(root, "work/serial/*.log"))).toEqual(["work/serial/node01.log", "work/serial/node02.log"]);
    expect(rel(matchGlob(root, "work/serial/node0?.log"))).toEqual([
      "work/serial/node01.log",
      "work/serial/node02.log",
    ]);
    expect(rel(matchGlob(root, "work/**/node0*.log"))).toEqual([
      "work/a/b/node04.log",
      "work/node05.log",
      "work/serial/node01.log",
      "work/serial/node02.log",
      "work/serial/x/node03.log",
    ]);
    expect(rel(matchGlob(root, "work/a/**"))).toEqual(["work/a/b/node04.log"]);
    expect(rel(matchGlob(root, "work/node05.log"))).toEqual(["work/node05.log"]);
    expect(matchGlob(root, "work/missing/*.log")).toEqual([]);
  });

  it("an absolute glob starts at its own folder, whatever the working folder", () => {
    expect(matchGlob("/nonexistent", `${root}/work/serial/*.log`).sort()).toEqual([
      path.join(root, "work/serial/node01.log"),
      path.join(root, "work/serial/node02.log"),
    ]);
  });

  it("reads only the folders the glob names, never a sibling tree or /", () => {
    const big = tree(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`huge/d${i}/node${i}.log`, "x"])));
    mkdirSync(path.join(big, "state"));
    writeFileSync(path.join(big, "state/node01.log"), "");
    const abs = spiedReadDir();
    expect(matchGlob("/", `${big}/state/*.log`, abs.readDir)).toEqual([path.join(big, "state/node01.log")]);
    expect(abs.read).toEqual([path.join(big, "state")]);

    const recursive = spiedReadDir();
    expect(matchGlob(big, "state/**/*.log", recursive.readDir)).toEqual([path.join(big, "state/node01.log")]);
    expect(recursive.read).toEqual([path.join(big, "state")]);

    const literal = spiedReadDir();
    expect(matchGlob(big, "state/node01.log", literal.readDir)).toEqual([path.join(big, "state/node01.log")]);
    expect(literal.read).toEqual([]);
  });

  it("** stops MAX_GLOB_DEPTH folders down and does not follow links", () => {
    const deep = Array.from({ length: MAX_GLOB_DEPTH + 3 }, (_, i) => `d${i}`);
    const root2 = tree({ [`top/${deep.slice(0, 2).join("/")}/near.log`]: "", [`top/${deep.join("/")}/far.log`]: "" });
    symlinkSync(path.join(root2, "top"), path.join(root2, "top/loop"));
    symlinkSync("/", path.join(root2, "top/root"));
    const spy = spiedReadDir();
    expect(rel2(root2, matchGlob(root2, "top/**/*.log", spy.readDir))).toEqual([`top/d0/d1/near.log`]);
    expect(spy.read.every((d) => d.startsWith(path.join(root2, "top/d0")) || d === path.join(root2, "top"))).toBe(true);
    expect(
      Math.max(...spy.read.map((d) => path.relative(path.join(root2, "top"), d).split("/").filter(Boolean).length)),
    ).toBe(MAX_GLOB_DEPTH);
  });
});

const rel2 = (root: string, files: string[]) => files.map((f) => path.relative(root, f)).sort();

describe("consoleNameForFile", () => {
  it("names consoles after files, plainly", () => {
    expect(consoleNameForFile("work/serial/Node01.log")).toBe("node01");
    expect(consoleNameForFile("/var/lib/state/$(touch pwned).log")).toBe("touch-pwned-");
    expect(consoleNameForFile("harness.log")).toBeNull();
    expect(consoleNameForFile("....log")).toBeNull();
  });
});

describe("tailSerialLogs", () => {
  it("follows files while they grow and picks up new ones, byte for byte", async () => {
    const root = tree({ "work/serial/.keep": "" });
    const out = collect();
    const tail = tailSerialLogs(root, "work/serial/*.log", out.write);
    const a = path.join(root, "work/serial/node01.log");
    writeFileSync(a, "boot\n");
    await until("node01's first line", () => out.text("node01") === "boot\n");
    appendFileSync(a, Buffer.from([0x00, 0xff, 0x0a]));
    writeFileSync(path.join(root, "work/serial/node02.log"), "second\n");
    writeFileSync(path.join(root, "work/other.log"), "not matched\n");
    await tail.stop();
    expect(Buffer.concat(out.got.node01!).equals(Buffer.from([...Buffer.from("boot\n"), 0x00, 0xff, 0x0a]))).toBe(true);
    expect(out.text("node02")).toBe("second\n");
    expect(Object.keys(out.got).sort()).toEqual(["node01", "node02"]);
  });

  it("skips what a file held before the tail started: only what this run appends is its", async () => {
    const state = tree({ "node01.log": "previous run: node01 PANIC\n", "node02.log": "previous run: node02\n" });
    const out = collect();
    const tail = tailSerialLogs("/nonexistent-worktree", `${state}/*.log`, out.write);
    appendFileSync(path.join(state, "node01.log"), "this run: node01 boot\n");
    writeFileSync(path.join(state, "node03.log"), "this run: node03 new file\n");
    await tail.stop();
    expect(out.text("node01")).toBe("this run: node01 boot\n");
    expect(out.text("node03")).toBe("this run: node03 new file\n");
    expect(Object.keys(out.got).sort()).toEqual(["node01", "node03"]);
  });

  it("reads a truncated file, or one replaced by a new file, from its start again", async () => {
    const state = tree({ "trunc.log": "old old old old\n", "moved.log": "old\n" });
    const out = collect();
    const tail = tailSerialLogs(state, "*.log", out.write);
    appendFileSync(path.join(state, "trunc.log"), "appended\n");
    await until("the append", () => out.text("trunc") === "appended\n");
    truncateSync(path.join(state, "trunc.log"), 0);
    appendFileSync(path.join(state, "trunc.log"), "fresh\n");
    await until("the truncated file's new start", () => out.text("trunc").endsWith("fresh\n"));
    // a new file renamed over the old one, longer than where reading had got to: a size check alone would miss it
    writeFileSync(path.join(state, "moved.new"), "replacement with more bytes\n");
    renameSync(path.join(state, "moved.new"), path.join(state, "moved.log"));
    await tail.stop();
    expect(out.text("trunc")).toBe("appended\nfresh\n");
    expect(out.text("moved")).toBe("replacement with more bytes\n");
  });
});
