import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { consoleNameForFile, globToRegExp, tailSerialLogs } from "./serial-logs";

describe("serial log globs", () => {
  it("matches * within a folder and ** across folders", () => {
    expect(globToRegExp("work/serial/*.log").test("work/serial/node01.log")).toBe(true);
    expect(globToRegExp("work/serial/*.log").test("work/serial/x/node01.log")).toBe(false);
    expect(globToRegExp("work/**/*.log").test("work/a/b/node01.log")).toBe(true);
    expect(globToRegExp("work/**/*.log").test("work/node01.log")).toBe(true);
    expect(globToRegExp("work/**").test("work/a/b")).toBe(true);
  });

  it("names consoles after files, plainly", () => {
    expect(consoleNameForFile("work/serial/Node01.log")).toBe("node01");
    expect(consoleNameForFile("work/serial/$(touch pwned).log")).toBe("touch-pwned-");
    expect(consoleNameForFile("harness.log")).toBeNull();
    expect(consoleNameForFile("....log")).toBeNull();
  });
});

describe("tailSerialLogs", () => {
  it("follows files while they grow and picks up new ones, byte for byte", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "pb-tail-"));
    mkdirSync(path.join(root, "work/serial"), { recursive: true });
    const got: Record<string, Buffer[]> = {};
    const tail = tailSerialLogs(root, "work/serial/*.log", (c, d) => (got[c] ??= []).push(d));
    const a = path.join(root, "work/serial/node01.log");
    writeFileSync(a, "boot\n");
    await new Promise((r) => setTimeout(r, 450));
    expect(Buffer.concat(got.node01 ?? []).toString()).toBe("boot\n");
    appendFileSync(a, Buffer.from([0x00, 0xff, 0x0a]));
    writeFileSync(path.join(root, "work/serial/node02.log"), "second\n");
    writeFileSync(path.join(root, "work/other.log"), "not matched\n");
    await tail.stop();
    expect(Buffer.concat(got.node01!).equals(Buffer.from([...Buffer.from("boot\n"), 0x00, 0xff, 0x0a]))).toBe(true);
    expect(Buffer.concat(got.node02!).toString()).toBe("second\n");
    expect(Object.keys(got).sort()).toEqual(["node01", "node02"]);
  });
});
