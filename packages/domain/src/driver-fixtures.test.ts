import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DriverSplitter } from "./driver-split";
import { MarkerScanner } from "./failure-markers";

/**
 * Real NixOS test transcripts pasted in public nixpkgs threads (fixtures/driver/SOURCES.md names
 * each source). Pastes lose escape sequences, so the terminal and `nix build -L` forms are made
 * from each plain transcript the way the driver (logger.py: DIM + line + RESET_ALL) and nix
 * (progress-bar.cc: `\r\e[K` + FAINT name> NORMAL + line + NORMAL on a terminal, escapes
 * stripped through a pipe) write them; every form must give the same VM consoles.
 */
const dir = new URL("./fixtures/driver/", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir));

const DIM = "\x1b[2m";
const RESET = "\x1b[0m";
const SERIAL = /^([A-Za-z0-9][A-Za-z0-9_.-]*) # /;

type Form = (line: string) => string;
const FORMS: Record<string, Form> = {
  piped: (l) => l,
  terminal: (l) => (SERIAL.test(l) ? `${DIM}${l}${RESET}` : l),
  "nix -L piped": (l) => `vm-test-run-demo> ${l}`,
  "nix -L terminal": (l) =>
    `\r\x1b[K${DIM}vm-test-run-demo> ${RESET}${SERIAL.test(l) ? `${DIM}${l}${RESET}` : l}${RESET}`,
};

/** Each line in the given form; a transcript already pasted in the -L form is rendered from its bare lines. */
function render(plain: string, form: Form): Buffer {
  const bare = (l: string) => l.replace(/^vm-test-run-[^>]+> /, "");
  return Buffer.from(
    plain
      .split("\n")
      .map((l, i, all) => (i === all.length - 1 && l === "" ? "" : form(bare(l))))
      .join("\n"),
    "utf8",
  );
}

function consolesOf(bytes: Buffer, declared: string[], pieces: number): Record<string, string> {
  const s = new DriverSplitter(new Set(declared));
  const out: Record<string, string> = {};
  const step = pieces === 1 ? bytes.length : Math.max(1, Math.floor(bytes.length / pieces));
  const take = (r: ReturnType<DriverSplitter["push"]>) => {
    for (const l of r.lines) out[l.console] = (out[l.console] ?? "") + l.data.toString("utf8");
  };
  for (let i = 0; i < bytes.length; i += step) take(s.push(bytes.subarray(i, i + step)));
  take(s.end());
  return out;
}

/** What a person reading the plain transcript would call each VM's console. */
function expectedConsoles(plain: string, machines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of plain.split("\n")) {
    const m = SERIAL.exec(line.replace(/^vm-test-run-[^>]+> /, ""));
    const name = m?.[1]?.toLowerCase().replace(/_/g, "-");
    if (m && name && machines.includes(name))
      out[name] = (out[name] ?? "") + line.replace(/^vm-test-run-[^>]+> /, "").slice(m[0].length) + "\n";
  }
  return out;
}

const CASES: { file: string; declared: string[]; consoles: Record<string, number> }[] = [
  { file: "nixpkgs-pr533009-nginx-client-server-plain.log", declared: [], consoles: { client: 10 } },
  { file: "nixpkgs-pr178873-seafile-3vm-startup-2205.log", declared: [], consoles: { client1: 2, client2: 1 } },
  {
    file: "nixpkgs-issue509254-openssh-server-client-serial.log",
    declared: ["server", "client"],
    consoles: { server: 13, client: 4 },
  },
  { file: "nixpkgs-issue442382-dev-console-plain-2511.log", declared: ["machine"], consoles: { machine: 5 } },
  { file: "nixpkgs-pr161859-switchtest-failed-2205.log", declared: ["machine"], consoles: { machine: 2 } },
  {
    file: "nixcommunity-flake-firefox-nightly-pr12-print-build-logs.log",
    declared: ["machine"],
    consoles: { machine: 1 },
  },
];

describe("real NixOS test transcripts", () => {
  it("has a source for every fixture", () => {
    const sources = read("SOURCES.md").toString();
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".log"))) expect(sources, f).toContain(f);
  });

  for (const c of CASES) {
    it(`splits ${c.file} the same in every form and chunking`, () => {
      const plain = read(c.file).toString("utf8");
      const announced = [...plain.matchAll(/^(?:vm-test-run-[^>]+> )?([A-Za-z0-9_]+): starting vm$/gm)].map(
        (m) => m[1]!,
      );
      const expected = expectedConsoles(plain, [...c.declared, ...announced]);
      expect(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v.split("\n").length - 1]))).toEqual(
        c.consoles,
      );
      for (const [name, form] of Object.entries(FORMS)) {
        for (const pieces of [1, 7, 64]) {
          expect(consolesOf(render(plain, form), c.declared, pieces), `${name} in ${pieces} piece(s)`).toEqual(
            expected,
          );
        }
      }
    });
  }

  it("keeps a tab and an empty serial line as the VM printed them", () => {
    const consoles = consolesOf(read("nixpkgs-pr533009-nginx-client-server-plain.log"), [], 1);
    expect(consoles.client).toContain("\n\t32768, 98304, 163840, 229376\n\n");
  });

  it("never makes a console of a machine nobody declared or announced, nor of the driver's own lines", () => {
    const consoles = consolesOf(read("nixpkgs-pr161859-switchtest-failed-2205.log"), [], 1);
    expect(consoles).toEqual({});
  });

  it("finds the failure in failed transcripts", () => {
    const first = (file: string) => new MarkerScanner().push(read(file))[0];
    expect(first("nixpkgs-pr161859-switchtest-failed-2205.log")).toMatchObject({
      kind: "test-error",
      text: expect.stringContaining('Test "services" failed with error'),
    });
    expect(first("nixpkgs-issue43800-nfs-kernel-panic-perl-1803.log")).toMatchObject({ kind: "kernel-panic" });
    const installer = new MarkerScanner().push(read("nixpkgs-issue96361-installer-failed-traceback-2009.log"));
    expect(installer.map((m) => [m.line, m.kind])).toEqual([
      [2, "test-error"],
      [4, "traceback"],
      [11, "test-error"],
    ]);
    expect(first("nixpkgs-pr427968-systemd-boot-failed-nix-error-tail.log")).toMatchObject({
      kind: "test-error",
      text: expect.stringContaining("AssertionError: systemd-boot not copied"),
    });
  });
});
