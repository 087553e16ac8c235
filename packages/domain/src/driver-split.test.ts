import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DriverSplitter, machineConsole, parseDriverLine } from "./driver-split";

/** A driver stderr in the terminal form, with announcements, odd bytes and lines that only look similar. */
const recorded = readFileSync(new URL("./fixtures/nixos-test-driver.stderr", import.meta.url));

function split(chunks: Buffer[], declared: string[] = [], reserved: string[] = []) {
  const s = new DriverSplitter(new Set(declared), new Set(reserved));
  const out: Record<string, Buffer[]> = {};
  const announced: string[] = [];
  const take = (r: ReturnType<DriverSplitter["push"]>) => {
    announced.push(...r.announced);
    for (const l of r.lines) (out[l.console] ??= []).push(l.data);
  };
  for (const c of chunks) take(s.push(c));
  take(s.end());
  const consoles = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Buffer.concat(v).toString("latin1")]));
  return { consoles, announced };
}

/** Every way to cut a buffer: whole, byte by byte, and in odd-sized pieces (mid-escape, mid-UTF-8). */
function chunkings(buf: Buffer): Buffer[][] {
  const sevens: Buffer[] = [];
  for (let i = 0; i < buf.length; i += 7) sevens.push(buf.subarray(i, i + 7));
  return [[buf], [...buf].map((b) => Buffer.from([b])), sevens];
}

const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

describe("NixOS test-driver split", () => {
  it("splits announced machines into one console per VM, bytes intact", () => {
    const { consoles, announced } = split([recorded]);
    expect(announced).toEqual(["node01", "node02"]);
    expect(Object.keys(consoles).sort()).toEqual(["node01", "node02"]);
    expect(consoles.node01).toBe(
      "[    0.000000] Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0)\n" +
        "[    1.204221] Run /init as init process\n<<< NixOS Stage 1 >>>\n[   12.002000] chainfire[812]: raft: elected leader term 3\n",
    );
    expect(Buffer.from(consoles.node02!, "latin1").includes(Buffer.from([0xc3, 0xa9, 0x20, 0xff, 0xfe]))).toBe(true);
  });

  it("takes declared machines before any announcement, and normalises the driver's names", () => {
    const { consoles } = split([recorded], ["node03", "node-04"]);
    expect(consoles["node03"]).toBe("no reset at the end\n");
    expect(consoles["node-04"]).toBe("upper-case machine\n");
    expect(machineConsole("Baremetal_QEMU_Worker")).toBe("baremetal-qemu-worker");
    expect(machineConsole("harness")).toBeNull();
    expect(machineConsole("../etc")).toBeNull();
  });

  it("reads the terminal form, the piped plain form and the `nix build -L` forms alike", () => {
    const vm = "[    5.153421] systemd[1]: Started \x1b[0;1;39mnix-daemon.service\x1b[0m.";
    const forms = [
      `${DIM}machine # ${vm}${RESET}\n`,
      `machine # ${vm}\n`,
      `vm-test-run-foo> machine # ${vm}\n`,
      `${DIM}vm-test-run-foo> ${RESET}${DIM}machine # ${vm}${RESET}\n`,
      `\r\x1b[K${DIM}vm-test-run-foo> ${RESET}${DIM}machine # ${vm}${RESET}${RESET}\n`,
    ];
    for (const form of forms) {
      expect(parseDriverLine(Buffer.from(form)), JSON.stringify(form)).toEqual({
        kind: "serial",
        machine: "machine",
        data: Buffer.from(`${vm}\n`),
      });
    }
    for (const announce of [
      "machine: starting vm\n",
      "vm-test-run-foo> machine: starting vm\n",
      `${DIM}vm-test-run-foo> ${RESET}machine: starting vm\n`,
    ]) {
      expect(parseDriverLine(Buffer.from(announce))).toEqual({ kind: "announce", machine: "machine" });
    }
  });

  it("reads `nix build -L` on a terminal, where a status bar is redrawn in front of every line", () => {
    // nix's progress bar: `\r<status>ESC[K` after each line, `\rESC[K` before the next; the status
    // repeats the build's last line, separator and all
    const status = (n: number, last: string) =>
      `\r[${n}/1 built] building vm-test-run-foo (checkPhase): ${last}${RESET}\x1b[K`;
    const line = (text: string) => `\r\x1b[K${DIM}vm-test-run-foo> ${RESET}${text}${RESET}\n`;
    const stream = Buffer.from(
      status(0, "") +
        line("node01: starting vm") +
        status(0, "node01: starting vm") +
        line(`${DIM}node01 # [    0.1] Linux version 6.1${RESET}`) +
        status(0, "node01 # [    0.1] Linux version 6.1") +
        line(`${DIM}node01 # progress 1\rprogress 2${RESET}`) +
        line("subtest: check # not a machine") +
        // one redraw per progress update: many between two log lines
        Array.from({ length: 12 }, (_, k) => status(0, `subtest: check # not a machine (${k} copied)`)).join("") +
        status(0, "subtest: check # not a machine") +
        line(`${DIM}node01 # [FAILED] Failed to start chainfire.service${RESET}`) +
        status(1, "node01 # [FAILED] Failed to start chainfire.service"),
    );
    const results = chunkings(stream).map((c) => split(c));
    for (const r of results) expect(r).toEqual(results[0]);
    expect(results[0]).toEqual({
      announced: ["node01"],
      consoles: {
        node01: "[    0.1] Linux version 6.1\nprogress 1\rprogress 2\n[FAILED] Failed to start chainfire.service\n",
      },
    });
  });

  it("gives the same consoles whatever the chunking, down to one byte at a time", () => {
    const stream = Buffer.concat([
      Buffer.from("vm-test-run-e2e> machine: starting vm\n"),
      Buffer.from(`${DIM}vm-test-run-e2e> ${RESET}${DIM}machine # caf`),
      Buffer.from([0xc3, 0xa9]),
      Buffer.from(` \xff\xfe raw ${RESET}\n`, "latin1"),
      Buffer.from("vm-test-run-e2e> machine # [    1.0] plain piped line\n"),
      Buffer.from("vm-test-run-e2e> machine # last line without a newline"),
    ]);
    const results = chunkings(stream).map((c) => split(c));
    for (const r of results) expect(r).toEqual(results[0]);
    expect(
      Buffer.from(results[0]!.consoles.machine!, "latin1").equals(
        Buffer.concat([
          Buffer.from("caf"),
          Buffer.from([0xc3, 0xa9]),
          Buffer.from(" \xff\xfe raw \n", "latin1"),
          Buffer.from("[    1.0] plain piped line\nlast line without a newline"),
        ]),
      ),
    ).toBe(true);
  });

  it("never turns an ordinary harness line containing ' # ' into a console", () => {
    const hostile = [
      "root@host # rm -rf /\n",
      "# Heading\n",
      "## Second heading # with a hash\n",
      "vm-test-run-x> root@host # rm -rf /\n",
      "node09 # an undeclared, unannounced machine\n",
      `${DIM}../etc # traversal${RESET}\n`,
      `${DIM}harness # reserved${RESET}\n`,
      "node01 #no space after the hash\n",
      " node01 # leading space\n",
    ].join("");
    const { consoles, announced } = split([Buffer.from(hostile)], ["node01"]);
    expect(consoles).toEqual({});
    expect(announced).toEqual([]);
  });

  it("leaves the machines the worker boots itself to the worker", () => {
    const { consoles } = split(
      [Buffer.from("node01: starting vm\nnode01 # echo\nnode02 # other\n")],
      ["node02"],
      ["node01"],
    );
    expect(consoles).toEqual({ node02: "other\n" });
  });

  it("stops buffering an endless line instead of growing without bound", () => {
    const s = new DriverSplitter(new Set(["node01"]));
    expect(s.push(Buffer.concat([Buffer.from(`${DIM}node01 # `), Buffer.alloc(100_000, 0x41)])).lines).toEqual([]);
    expect(s.push(Buffer.from(`tail${RESET}\n${DIM}node01 # next${RESET}\n`)).lines).toEqual([
      { console: "node01", data: Buffer.from("next\n") },
    ]);
  });
});
