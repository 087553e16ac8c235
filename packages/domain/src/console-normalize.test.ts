import { describe, expect, it } from "vitest";
import { cutAround, normalizeLine, withoutEscapes } from "./console-normalize";

const ESC = "\x1b";

describe("withoutEscapes", () => {
  it("drops colours, cursor moves, OSC titles and hyperlinks, \\r and other controls, and keeps tabs and text", () => {
    // systemd's own colouring of a failed unit, as a serial console shows it
    expect(
      withoutEscapes(`[${ESC}[0;1;31mFAILED${ESC}[0m] Failed to start ${ESC}[0;1;39mfiberlb.service${ESC}[0m.\r`),
    ).toBe("[FAILED] Failed to start fiberlb.service.");
    expect(
      withoutEscapes(`${ESC}]0;root@node01: ~${ESC}\\prompt\t$ ${ESC}]8;;http://x${ESC}\\link${ESC}]8;;${ESC}\\`),
    ).toBe("prompt\t$ link");
    expect(withoutEscapes(`a${ESC}]0;title\x07b${ESC}(Bc${ESC}7d${ESC}[?25le\x00f\x08g\x9b31mh`)).toBe("abcdefgh");
    // A sequence cut by the end of the line must not leave its parameters behind.
    expect(withoutEscapes(`cut here${ESC}[0;3`)).toBe("cut here");
    expect(withoutEscapes(`${ESC}`)).toBe("");
    expect(withoutEscapes("café \ufffd raw")).toBe("café \ufffd raw");
  });
});

describe("cutAround", () => {
  it("keeps short lines whole and cuts long ones around the match", () => {
    expect(cutAround("short", 1, 3)).toEqual({ text: "short", start: 1, end: 3 });
    const long = `${"a".repeat(1000)}NEEDLE${"b".repeat(1000)}`;
    const cut = cutAround(long, 1000, 1006, 300);
    expect(cut.text).toHaveLength(300);
    expect(cut.text.slice(cut.start, cut.end)).toBe("NEEDLE");
    const atEnd = cutAround(`${"a".repeat(1000)}END`, 1000, 1003, 300);
    expect(atEnd.text.endsWith("END")).toBe(true);
    expect(atEnd.text.slice(atEnd.start, atEnd.end)).toBe("END");
  });
});

/** Two boots of the same code: each pair must normalise to the same line. */
const SAME: [string, string][] = [
  // nixpkgs issue #302965 (nixos/test-driver OCR race), a VM's kernel and systemd lines
  ["[    5.152029] ppdev: user-space parallel port driver", "[   15.900000] ppdev: user-space parallel port driver"],
  [
    "[    5.730384] 12h4x4ain277sax2n40g80w6r6rfvvrm-mount-pstore.sh[384]: Persistent Storage backend was not registered in time.",
    "[    6.001002] 0a9vq1d3l5yc0kzgwq2xjvmr7i8fqz5b-mount-pstore.sh[391]: Persistent Storage backend was not registered in time.",
  ],
  [
    "[    5.479738] bochs-drm 0000:00:02.0: [drm] fb0: bochs-drmdrmfb frame buffer device",
    "[    5.512000] bochs-drm 0000:00:02.0: [drm] fb0: bochs-drmdrmfb frame buffer device",
  ],
  // nixpkgs PR #559116 (nixosTests.lix-required-mounts), systemd accounting and su
  [
    "[   19.676674] systemd[1]: nix-daemon@0-1-779_780-1000.service: Consumed 706ms CPU time over 2.003s wall clock time, 84.1M memory peak.",
    "[   21.001234] systemd[1]: nix-daemon@0-1-779_780-1000.service: Consumed 611ms CPU time over 1.87s wall clock time, 84.1M memory peak.",
  ],
  [
    "[   19.682836] su[807]: Successful su for person by root",
    "[   20.000001] su[811]: Successful su for person by root",
  ],
  // Proofboard's demo guest (Debian kernel 6.12.117, QEMU TCG), two boots of the same initrd
  [
    "[    0.249012] audit: type=2000 audit(1796075422.096:1): state=initialized audit_enabled=0 res=1",
    "[    0.269573] audit: type=2000 audit(1796075425.092:1): state=initialized audit_enabled=0 res=1",
  ],
  // the same guest on two hosts, or one host whose clock rate read differently: measured rates
  [
    "[    0.000000] Kernel command line: console=ttyS0 tsc=reliable tsc_early_khz=2096018 pb.node=node03",
    "[    0.000000] Kernel command line: console=ttyS0 tsc=reliable tsc_early_khz=2593000 pb.node=node03",
  ],
  ["[    0.001000] tsc: Detected 2096.018 MHz processor", "[    0.001000] tsc: Detected 2593.906 MHz processor"],
  [
    "[    0.080000] Calibrating delay loop (skipped), value calculated using timer frequency.. 4192.03 BogoMIPS (lpj=8384072)",
    "[    0.090000] Calibrating delay loop (skipped), value calculated using timer frequency.. 5187.81 BogoMIPS (lpj=10375624)",
  ],
  ["[    2.133253] reboot: Restarting system\r", "[    2.098852] reboot: Restarting system\r"],
  // the test driver's own lines (nixpkgs PR #427968; the UltraCloud issue's examples)
  ["(finished: start all VLans, in 0.00 seconds)", "(finished: start all VLans, in 0.02 seconds)"],
  ["running vlan (pid 9; ctl /build/vde1.ctl)", "running vlan (pid 12; ctl /build/vde1.ctl)"],
  ["node01: QEMU running (pid 4242)", "node01: QEMU running (pid 4517)"],
  ["test script finished in 46.09s", "test script finished in 51.7s"],
  [
    "machine: must succeed: nix-build /nix/store/cag65ff9vm57ff1rmm0j50pszygj2y0b-test-require-feature.nix",
    "machine: must succeed: nix-build /nix/store/1n1yb7kdqlbzl9a3c2z6yhp3gr8d0x4v-test-require-feature.nix",
  ],
  // systemd-networkd in journal form (systemd issues #23005, #15445, #24999)
  [
    "Apr 07 17:55:17 imx8mmevk systemd-networkd[389]: lo: Requested to set IPv6LL address generation mode",
    "Apr  8 09:01:02 imx8mmevk systemd-networkd[402]: lo: Requested to set IPv6LL address generation mode",
  ],
  [
    "Apr 16 10:16:07 srv0005 systemd-networkd[688]: DHCP CLIENT (0xe19d1767): STARTED on ifindex 2",
    "Apr 16 11:20:00 srv0005 systemd-networkd[701]: DHCP CLIENT (0x0badc0de): STARTED on ifindex 2",
  ],
  [
    "eth1: Adding route: dst: 172.20.1.5/32, src: n/a, gw: n/a, prefsrc: 172.20.1.5",
    "eth1: Adding route: dst: 172.20.1.9/32, src: n/a, gw: n/a, prefsrc: 172.20.1.9",
  ],
  [
    "enp1s0: Received new foreign route (configured): dst: fe80::/64, src: n/a, proto: kernel",
    "enp1s0: Received new foreign route (configured): dst: 2001:db8::42/64, src: n/a, proto: kernel",
  ],
  ["BOOTP/DHCP, Request from 02:de:ad:be:ef:01, length 288", "BOOTP/DHCP, Request from 52:54:00:12:34:56, length 288"],
  [
    "etcd listening on 10.0.2.15:2379 and [fe80::5054:ff:fe12:3456]:2380",
    "etcd listening on 10.0.2.16:2380 and [fe80::5054:ff:fe12:9999]:2381",
  ],
  [
    "2026-11-30T21:48:01.123Z INFO chainfire: raft: elected leader term 3",
    "2026-12-01T02:00:59Z INFO chainfire: raft: elected leader term 3",
  ],
  ["12:00:01.250 deployer: plan applied", "23:59:59 deployer: plan applied"],
  [
    "boot id 3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f, session c1a2b3c4d5e6",
    "boot id 9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b, session 77aa88bb99cc",
  ],
  [
    "Startup finished in 2.345s (kernel) + 5.3s (userspace) = 7.6s.",
    "Startup finished in 3s (kernel) + 12.03s (userspace) = 15.03s.",
  ],
  [
    `${ESC}[32m[  OK  ]${ESC}[0m fiberlb: healthy (2 listeners, 6/6 backends up)\r`,
    "[  OK  ] fiberlb: healthy (2 listeners, 6/6 backends up)   ",
  ],
];

/** Lines that differ in what they say, not only in values that always change. */
const DIFFERENT: [string, string][] = [
  ["[  OK  ] fiberlb: healthy (2 listeners, 6/6 backends up)", "[FAILED] fiberlb: listener reconcile drops backends"],
  ["RESULT: PASS node03 (9 services healthy)", "RESULT: FAIL node03 (1 unhealthy)"],
  [
    "[    6.369116] systemd[1]: Started backdoor.service.",
    "[    6.369116] systemd[1]: Failed to start backdoor.service.",
  ],
  ["flaredb: 12 regions, leader on node01", "flaredb: 11 regions, leader on node01"],
  ["Linux version 6.1.0-28-amd64", "Linux version 6.12.0-1-amd64"],
  ["Kernel command line: console=ttyS0 pb.node=node03", "Kernel command line: console=ttyS1 pb.node=node03"],
  ["eth0: link up, 100 Mbps", "eth0: link up, 1000 Mbps"],
];

describe("normalizeLine", () => {
  it.each(SAME)("treats two boots' %j and %j as the same line", (a, b) => {
    expect(normalizeLine(a)).toBe(normalizeLine(b));
  });

  it.each(DIFFERENT)("keeps %j and %j apart", (a, b) => {
    expect(normalizeLine(a)).not.toBe(normalizeLine(b));
  });

  it("says what it replaced with readable placeholders", () => {
    expect(normalizeLine("[   12.002000] chainfire[812]: raft: elected leader term 3")).toBe(
      "[<clock>] chainfire[<pid>]: raft: elected leader term 3",
    );
    expect(normalizeLine("(finished: waiting for unit chainfire.service, in 11.80 seconds)")).toBe(
      "(finished: waiting for unit chainfire.service, in <dur>)",
    );
    expect(normalizeLine("etcd on 10.0.2.15:2379, mac 52:54:00:12:34:56, at 0xffffffff81000000")).toBe(
      "etcd on <ip>:<port>, mac <mac>, at 0x<hex>",
    );
    expect(normalizeLine("/nix/store/z90dlkgm8mrp13qixhi36ym14lkkz9sy-vm-test-run-statsd")).toBe(
      "/nix/store/<hash>-vm-test-run-statsd",
    );
    expect(normalizeLine("Nov 30 21:48:01 node01 sshd[77]: Accepted key")).toBe(
      "<time> node01 sshd[<pid>]: Accepted key",
    );
  });

  it("leaves ordinary words, versions, short numbers and C++-like names alone", () => {
    for (const line of [
      "Run /init as init process",
      "UltraCloud guest node01 (kernel 6.12.117+deb12-amd64)",
      "std::vector<int> size 42",
      "deadbeef",
      "[FAILED] Failed to start sshd.service",
    ]) {
      expect(normalizeLine(line)).toBe(line);
    }
  });

  it("survives hostile text without throwing or looping", () => {
    const hostile = `${"\x1b[".repeat(2000)}${":".repeat(5000)}${"0".repeat(5000)}${"1.".repeat(3000)}\u0000\ufffd`;
    const started = Date.now();
    expect(typeof normalizeLine(hostile)).toBe("string");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
