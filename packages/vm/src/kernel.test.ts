import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { compareDebVersions, parseKernelStanzas } from "./apt";
import { extractVmlinux, findPayload } from "./bzimage";
import { isStaticElf } from "./initrd";
import { cachedKernel, upgradeToVmlinux } from "./kernel";
import { runOk } from "./proc";

describe("compareDebVersions", () => {
  it("orders like dpkg", () => {
    const sorted = [
      "6.12.117-1~deb12u1",
      "6.1.192-2",
      "6.12.115-2~deb12u1",
      "6.1.192-1",
      "6.12.117-1",
      "1:0.1-1",
      "6.12.100-1~deb12u1",
    ].sort(compareDebVersions);
    expect(sorted).toEqual([
      "6.1.192-1",
      "6.1.192-2",
      "6.12.100-1~deb12u1",
      "6.12.115-2~deb12u1",
      "6.12.117-1~deb12u1",
      "6.12.117-1",
      "1:0.1-1",
    ]);
    expect(compareDebVersions("1.0", "1.0")).toBe(0);
    expect(compareDebVersions("1.0~rc1", "1.0")).toBeLessThan(0);
    expect(compareDebVersions("1.0a", "1.0+")).toBeLessThan(0);
    expect(compareDebVersions("1.01", "1.1")).toBe(0);
  });
});

describe("parseKernelStanzas", () => {
  it("keeps plain kernel images and drops variants and meta-packages", () => {
    const stanza = (p: string, v: string) => `Package: ${p}\nVersion: ${v}\nArchitecture: amd64\n`;
    const text = [
      stanza("linux-image-6.1.0-56-amd64", "6.1.192-2"),
      stanza("linux-image-6.12.117+deb12-amd64", "6.12.117-1~deb12u1"),
      stanza("linux-image-6.12.117+deb12-cloud-amd64", "6.12.117-1~deb12u1"),
      stanza("linux-image-6.12.117+deb12-rt-amd64", "6.12.117-1~deb12u1"),
      stanza("linux-image-6.1.0-56-amd64-dbg", "6.1.192-2"),
      stanza("linux-image-6.1.0-56-amd64-unsigned", "6.1.192-2"),
      stanza("linux-image-6.12-amd64", "6.12.117-1~deb12u1"),
      stanza("linux-image-amd64", "6.1.192-2"),
    ].join("\n");
    expect(
      parseKernelStanzas(text)
        .map((k) => k.name)
        .sort(),
    ).toEqual(["linux-image-6.1.0-56-amd64", "linux-image-6.12.117+deb12-amd64"]);
  });
});

/** A minimal bzImage: boot-protocol 2.15 header whose payload fields point at `payload`. */
function fakeBzImage(payload: Buffer, setupSects = 3): Buffer {
  const setup = Buffer.alloc((setupSects + 1) * 512);
  setup.writeUInt8(setupSects, 0x1f1);
  setup.write("HdrS", 0x202, "ascii");
  setup.writeUInt16LE(0x20f, 0x206);
  const prefix = Buffer.from("decompressor code");
  setup.writeUInt32LE(prefix.length, 0x248);
  setup.writeUInt32LE(payload.length, 0x24c);
  return Buffer.concat([setup, prefix, payload, Buffer.from("trailing setup data")]);
}

function withSize(compressed: Buffer, size: number): Buffer {
  const s = Buffer.alloc(4);
  s.writeUInt32LE(size);
  return Buffer.concat([compressed, s]);
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("extractVmlinux", () => {
  const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), randomBytes(100_000)]);

  it("finds an xz payload through the header and checks the recorded size", async () => {
    const xz = (await runOk("xz", ["-c", "--check=crc32"], { input: elf })).stdout;
    const img = fakeBzImage(withSize(xz, elf.length));
    expect(findPayload(img).format).toBe("xz");
    const dir = await mkdtemp(join(tmpdir(), "pb-bz-"));
    dirs.push(dir);
    await extractVmlinux(img, join(dir, "vmlinux"));
    expect((await readFile(join(dir, "vmlinux"))).equals(elf)).toBe(true);
  });

  it("reads gzip payloads in process", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pb-bz-"));
    dirs.push(dir);
    await extractVmlinux(fakeBzImage(withSize(gzipSync(elf), elf.length)), join(dir, "vmlinux"));
    expect((await readFile(join(dir, "vmlinux"))).equals(elf)).toBe(true);
  });

  it("refuses output whose size differs from the recorded one, and leaves no file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pb-bz-"));
    dirs.push(dir);
    await expect(
      extractVmlinux(fakeBzImage(withSize(gzipSync(elf), elf.length + 1)), join(dir, "vmlinux")),
    ).rejects.toThrow(/recorded/);
    await expect(readFile(join(dir, "vmlinux"))).rejects.toThrow();
  });

  it("refuses a non-ELF kernel", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pb-bz-"));
    dirs.push(dir);
    const junk = randomBytes(1000);
    await expect(
      extractVmlinux(fakeBzImage(withSize(gzipSync(junk), junk.length)), join(dir, "vmlinux")),
    ).rejects.toThrow(/ELF/);
  });

  it("rejects files that are not bzImages", () => {
    expect(() => findPayload(Buffer.alloc(4096))).toThrow(/HdrS/);
  });
});

describe("isStaticElf", () => {
  it("accepts busybox-static and rejects a dynamically linked binary", async () => {
    expect(isStaticElf(await readFile("/bin/busybox"))).toBe(true);
    expect(isStaticElf(await readFile(process.execPath))).toBe(false);
    expect(isStaticElf(Buffer.from("#!/bin/sh\n"))).toBe(false);
  });
});

describe("a cached bzImage (no decompressor at build time)", () => {
  const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), randomBytes(50_000)]);

  async function cacheWithBzImage(payload: Buffer): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "pb-kcache-"));
    dirs.push(dir);
    const img = fakeBzImage(payload);
    await writeFile(join(dir, "vmlinuz-9.9.9-test"), img);
    const m = {
      release: "9.9.9-test",
      package: "linux-image-9.9.9-test-amd64",
      version: "9.9.9-1",
      kind: "bzImage",
      file: "vmlinuz-9.9.9-test",
      size: img.length,
    };
    await writeFile(join(dir, "kernel.json"), JSON.stringify(m));
    return dir;
  }

  it("becomes a vmlinux once the tool is there, without a download", async () => {
    const dir = await cacheWithBzImage(withSize(gzipSync(elf), elf.length));
    const k = (await cachedKernel(dir))!;
    expect(k.kind).toBe("bzImage");
    const up = (await upgradeToVmlinux(dir, k, () => undefined))!;
    expect(up).toMatchObject({ kind: "vmlinux", file: "vmlinux-9.9.9-test", size: elf.length });
    expect(await cachedKernel(dir)).toMatchObject({ kind: "vmlinux", path: join(dir, "vmlinux-9.9.9-test") });
    expect(Object.keys(JSON.parse(await readFile(join(dir, "kernel.json"), "utf8")))).not.toContain("path");
    expect(await readdir(dir)).not.toContain("vmlinuz-9.9.9-test");
  });

  it("stays a bzImage while the decompressor is missing", async () => {
    const xz = (await runOk("xz", ["-c", "--check=crc32"], { input: elf })).stdout;
    const dir = await cacheWithBzImage(withSize(xz, elf.length));
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(await upgradeToVmlinux(dir, (await cachedKernel(dir))!, () => undefined)).toBeNull();
    } finally {
      process.env.PATH = path;
    }
    expect((await cachedKernel(dir))!.kind).toBe("bzImage");
  });

  it("ignores a manifest whose file is missing or has another size", async () => {
    const dir = await cacheWithBzImage(withSize(gzipSync(elf), elf.length));
    await writeFile(join(dir, "vmlinuz-9.9.9-test"), "truncated");
    expect(await cachedKernel(dir)).toBeNull();
  });
});
