import { describe, expect, it } from "vitest";
import { kernelCmdline, qemuArgv } from "./qemu";
import { componentOverlay } from "./initrd";

const base = { name: "node01", kernel: "/c/vmlinux", initrd: "/c/initrd.gz", serialSocket: "/w/node01.serial" };

function valueOf(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

describe("qemuArgv", () => {
  it("boots a microvm under TCG with the serial socket, the exit device and one -append element", () => {
    const argv = qemuArgv({ ...base, accel: "tcg", tscKhz: 2_596_138, append: "pb.services=chainfire,iam pb.hold=1" });
    expect(argv[0]).toBe("qemu-system-x86_64");
    expect(valueOf(argv, "-M")).toBe("microvm,pit=on,pic=on,rtc=on");
    expect(valueOf(argv, "-accel")).toBe("tcg");
    expect(valueOf(argv, "-cpu")).toBe("max");
    expect(valueOf(argv, "-m")).toBe("256");
    expect(valueOf(argv, "-kernel")).toBe("/c/vmlinux");
    expect(valueOf(argv, "-initrd")).toBe("/c/initrd.gz");
    expect(argv).toContain("-no-reboot");
    expect(valueOf(argv, "-chardev")).toBe("socket,id=ser0,path=/w/node01.serial");
    expect(valueOf(argv, "-serial")).toBe("chardev:ser0");
    expect(valueOf(argv, "-device")).toBe("isa-debug-exit,iobase=0xf4,iosize=0x04");
    expect(valueOf(argv, "-append")).toBe(
      "console=ttyS0 loglevel=6 panic=0 reboot=t tsc=reliable tsc_early_khz=2596138 pb.node=node01 pb.services=chainfire,iam pb.hold=1",
    );
    expect(argv.filter((a) => a.includes("pb.node=")).length).toBe(1);
  });

  it("uses the host CPU and no TSC hint under KVM", () => {
    const argv = qemuArgv({ ...base, accel: "kvm", memoryMiB: 512 });
    expect(valueOf(argv, "-cpu")).toBe("host");
    expect(valueOf(argv, "-m")).toBe("512");
    expect(valueOf(argv, "-append")).not.toContain("tsc_early_khz");
  });

  it("refuses names that would split the kernel command line, and multi-line parameters", () => {
    for (const name of ["node 01", "a=b", "", "../x", "x;y", "-x"])
      expect(() => qemuArgv({ ...base, name, accel: "tcg" })).toThrow(/name/);
    expect(() => qemuArgv({ ...base, accel: "tcg", append: "a\nb" })).toThrow(/one line/);
    expect(() => qemuArgv({ ...base, accel: "tcg", memoryMiB: 1 })).toThrow(/memory/);
    expect(() => qemuArgv({ ...base, accel: "tcg", append: "pb.hold=1 panic=-1" })).toThrow(/panic=/);
  });

  it("doubles commas in the socket path, which QEMU would otherwise split on", () => {
    const argv = qemuArgv({ ...base, accel: "tcg", serialSocket: "/w/a,b/node01.serial" });
    expect(valueOf(argv, "-chardev")).toBe("socket,id=ser0,path=/w/a,,b/node01.serial");
  });

  it("gives a held guest its shell session and window-size ports, each on its own IRQ, QEMU listening", () => {
    expect(qemuArgv({ ...base, accel: "tcg" }).join(" ")).not.toContain("isa-serial");
    const argv = qemuArgv({
      ...base,
      accel: "tcg",
      shellSockets: { session: "/w/a,b/node01.shell", winsize: "/w/node01.winsize" },
    });
    const pairs = argv.flatMap((a, i) => (a === "-chardev" || a === "-device" ? [`${a} ${argv[i + 1]}`] : []));
    expect(pairs).toEqual([
      "-chardev socket,id=ser0,path=/w/node01.serial",
      "-chardev socket,id=sh0,path=/w/a,,b/node01.shell,server=on,wait=off",
      "-device isa-serial,chardev=sh0,iobase=0x2f8,irq=3",
      "-chardev socket,id=ws0,path=/w/node01.winsize,server=on,wait=off",
      "-device isa-serial,chardev=ws0,iobase=0x3e8,irq=5",
      "-device isa-debug-exit,iobase=0xf4,iosize=0x04",
    ]);
  });

  it("keeps the kernel parameters it needs ahead of the caller's", () => {
    expect(kernelCmdline({ name: "n", accel: "kvm", append: "  " })).toBe(
      "console=ttyS0 loglevel=6 panic=0 reboot=t tsc=reliable pb.node=n",
    );
  });
});

describe("componentOverlay", () => {
  it("refuses service names that are not plain words", () => {
    expect(() => componentOverlay({ "../init": "x" })).toThrow(/service/);
    expect(
      componentOverlay({ fiberlb: "healthy = false\n" }).includes(Buffer.from("proofboard/components/fiberlb.toml")),
    ).toBe(true);
  });
});
