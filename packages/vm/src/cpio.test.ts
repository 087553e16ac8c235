import { lstat, mkdtemp, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packCpio, parentDirs, type CpioEntry } from "./cpio";
import { runOk } from "./proc";

const entries: CpioEntry[] = [
  ...parentDirs(["usr/bin/tool"]),
  { path: "usr/bin/tool", type: "file", mode: 0o755, data: Buffer.from("#!/bin/sh\necho hi\n") },
  // odd lengths exercise the 4-byte padding of names and bodies
  { path: "a", type: "file", mode: 0o644, data: Buffer.from("x") },
  { path: "empty", type: "file", mode: 0o600 },
  { path: "bin-data", type: "file", mode: 0o644, data: Buffer.from([0, 255, 10, 13, 0x1b, 0]) },
  { path: "link", type: "symlink", mode: 0o777, target: "usr/bin/tool" },
  { path: "dev", type: "dir", mode: 0o755 },
  { path: "dev/console", type: "char", mode: 0o600, rdevMajor: 5, rdevMinor: 1 },
];

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("packCpio", () => {
  const archive = packCpio(entries);

  it("is a newc archive that GNU cpio lists, in order, with the right types", async () => {
    const list = (await runOk("cpio", ["-t", "--quiet"], { input: archive })).stdout.toString().trim().split("\n");
    expect(list).toEqual(["usr", "usr/bin", "usr/bin/tool", "a", "empty", "bin-data", "link", "dev", "dev/console"]);
    const verbose = (await runOk("cpio", ["-tv", "--quiet"], { input: archive })).stdout.toString();
    expect(verbose).toMatch(/^crw------- .* 5, +1 .* dev\/console$/m);
    expect(verbose).toMatch(/^lrwxrwxrwx .* link -> usr\/bin\/tool$/m);
    expect(verbose).toMatch(/^-rwxr-xr-x .* root +root .* usr\/bin\/tool$/m);
  });

  it("extracts with GNU cpio to the same bytes, modes and link targets", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pb-cpio-"));
    dirs.push(dir);
    const files = entries.filter((e) => e.type !== "char");
    await runOk("cpio", ["-i", "-d", "--quiet", "--no-absolute-filenames"], { cwd: dir, input: packCpio(files) });
    expect(await readFile(join(dir, "usr/bin/tool"), "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect((await readFile(join(dir, "bin-data"))).equals(Buffer.from([0, 255, 10, 13, 0x1b, 0]))).toBe(true);
    expect((await readFile(join(dir, "empty"))).length).toBe(0);
    expect((await lstat(join(dir, "usr/bin/tool"))).mode & 0o7777).toBe(0o755);
    expect((await lstat(join(dir, "empty"))).mode & 0o7777).toBe(0o600);
    expect(await readlink(join(dir, "link"))).toBe("usr/bin/tool");
  });

  it("ends with the trailer and keeps every record 4-byte aligned", () => {
    expect(archive.subarray(0, 6).toString()).toBe("070701");
    expect(archive.length % 4).toBe(0);
    expect(archive.includes(Buffer.from("TRAILER!!!\0"))).toBe(true);
  });

  it("is reproducible: equal entries give equal bytes", () => {
    expect(packCpio(entries).equals(archive)).toBe(true);
  });

  it("refuses paths that could escape the archive root", () => {
    for (const path of ["../x", "a/../../b", "", "/", "a//b"]) {
      expect(() => packCpio([{ path, type: "file", mode: 0o644 }])).toThrow(/path/);
    }
    expect(() => packCpio([{ path: "l", type: "symlink", mode: 0o777 }])).toThrow(/target/);
  });

  it("strips a leading slash or ./ like the kernel expects", async () => {
    const a = packCpio([
      { path: "/etc", type: "dir", mode: 0o755 },
      { path: "./etc/x", type: "file", mode: 0o644 },
    ]);
    const list = (await runOk("cpio", ["-t", "--quiet"], { input: a })).stdout.toString().trim().split("\n");
    expect(list).toEqual(["etc", "etc/x"]);
  });
});
