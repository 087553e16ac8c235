import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DriverSplitter, parseDriverLine } from "./driver-split";

/** A recorded stderr of the NixOS test driver, in its exact format (ESC[2m machine # line ESC[0m). */
const recorded = readFileSync(new URL("./fixtures/nixos-test-driver.stderr", import.meta.url));

function split(chunks: Buffer[]): Record<string, string> {
  const s = new DriverSplitter();
  const out: Record<string, Buffer[]> = {};
  for (const c of chunks) for (const l of s.push(c)) (out[l.console] ??= []).push(l.data);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Buffer.concat(v).toString("latin1")]));
}

describe("NixOS test-driver split", () => {
  it("splits a recorded stream into one console per VM, bytes intact", () => {
    const consoles = split([recorded]);
    expect(Object.keys(consoles).sort()).toEqual(["node-04", "node01", "node02"]);
    expect(consoles.node01).toBe(
      "[    0.000000] Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0)\n" +
        "[    1.204221] Run /init as init process\n<<< NixOS Stage 1 >>>\n[   12.002000] chainfire[812]: raft: elected leader term 3\n",
    );
    expect(Buffer.from(consoles.node02!, "latin1").includes(Buffer.from([0xc3, 0xa9, 0x20, 0xff, 0xfe]))).toBe(true);
  });

  it("gives the same result whatever the chunking, down to one byte at a time", () => {
    const whole = split([recorded]);
    const bytes = [...recorded].map((b) => Buffer.from([b]));
    expect(split(bytes)).toEqual(whole);
    const odd: Buffer[] = [];
    for (let i = 0; i < recorded.length; i += 7) odd.push(recorded.subarray(i, i + 7));
    expect(split(odd)).toEqual(whole);
  });

  it("ignores lines that only look similar", () => {
    expect(parseDriverLine(Buffer.from("node01 # plain\n"))).toBeNull();
    expect(parseDriverLine(Buffer.from("\x1b[2mnode01 # no reset\n"))).toBeNull();
    expect(parseDriverLine(Buffer.from("\x1b[2m../etc # traversal\x1b[0m\n"))).toBeNull();
    expect(parseDriverLine(Buffer.from("\x1b[2mharness # reserved\x1b[0m\n"))).toBeNull();
  });

  it("stops buffering an endless line instead of growing without bound", () => {
    const s = new DriverSplitter();
    expect(s.push(Buffer.concat([Buffer.from("\x1b[2mnode01 # "), Buffer.alloc(100_000, 0x41)]))).toEqual([]);
    expect(s.push(Buffer.from("tail\x1b[0m\n\x1b[2mnode01 # next\x1b[0m\n"))).toEqual([{ console: "node01", data: Buffer.from("next\n") }]);
  });
});
