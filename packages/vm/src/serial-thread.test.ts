import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSerialPort } from "./serial-thread";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pb-serial-thread-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function connectTo(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => resolve(s));
    s.once("error", reject);
  });
}

describe("the serial console reader thread", () => {
  it("hands over every byte value in order, queues input until QEMU connects, and says when it ended", async () => {
    const path = join(dir, "guest.serial");
    // a stale file where the socket goes, as a crashed worker leaves it
    await writeFile(path, "stale");
    const got: Buffer[] = [];
    let connected = false;
    let ended!: () => void;
    const endedP = new Promise<void>((r) => (ended = r));
    const port = await openSerialPort(path, {
      onConnected: () => (connected = true),
      onData: (d) => got.push(Buffer.from(d)),
      onEnded: () => ended(),
    });
    port.write(Buffer.from("typed before QEMU connected\n"));
    const qemu = await connectTo(path);
    const typed: Buffer[] = [];
    qemu.on("data", (d: Buffer) => typed.push(d));
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const sent = Buffer.concat([every, Buffer.from("\x1b]0;hostile\x07\r\n\0"), every.reverse()]);
    for (let i = 0; i < sent.length; i += 7) qemu.write(sent.subarray(i, i + 7));
    await new Promise<void>((r) => setTimeout(r, 200));
    qemu.end();
    await endedP;
    expect(connected).toBe(true);
    expect(Buffer.concat(got).equals(sent)).toBe(true);
    expect(Buffer.concat(typed).toString()).toBe("typed before QEMU connected\n");
    await port.close();
    await port.close();
  });

  it("refuses a second connection: one guest, one reader", async () => {
    const path = join(dir, "one.serial");
    const got: string[] = [];
    const port = await openSerialPort(path, {
      onConnected: () => undefined,
      onData: (d) => got.push(d.toString()),
      onEnded: () => undefined,
    });
    const first = await connectTo(path);
    const second = await connectTo(path);
    const secondClosed = new Promise<void>((r) => second.once("close", () => r()));
    second.on("error", () => undefined);
    second.write("intruder");
    await secondClosed;
    first.write("guest");
    await new Promise<void>((r) => setTimeout(r, 200));
    expect(got.join("")).toBe("guest");
    first.destroy();
    await port.close();
  });

  it("fails with a clear error when it cannot listen", async () => {
    await expect(
      openSerialPort(join(dir, "no-such-dir", "x.serial"), {
        onConnected: () => undefined,
        onData: () => undefined,
        onEnded: () => undefined,
      }),
    ).rejects.toThrow(/^serial console socket: listen E[A-Z]+: .*no-such-dir/);
  });
});
