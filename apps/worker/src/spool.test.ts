import { mkdtempSync, rmSync, statSync, existsSync } from "node:fs";
import { truncate } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readSpoolRecords, Spool, SpoolBudget, SpoolFull } from "./spool";
import type { SpoolRecord } from "./spool-records";

const REC: SpoolRecord = {
  t: "chunk",
  console: "harness",
  kind: "harness",
  expectedFrom: null,
  offset: 0,
  at: "",
  newlinesBefore: 0,
  markers: [],
};
const dirs: string[] = [];
function spoolFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pb-spool-"));
  dirs.push(dir);
  return path.join(dir, "runs", "r1-1.spool");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Bytes text handling would break: NUL, invalid UTF-8, a split multibyte char, escapes, every byte value. */
const HOSTILE = [
  Buffer.from([0x00, 0x00, 0x01, 0xff, 0xfe, 0x80]),
  Buffer.from("€").subarray(0, 1),
  Buffer.from("€").subarray(1),
  Buffer.from("\x1b]52;c;cHduZWQ=\x07\x1b[31mred\x1b[0m\r\n"),
  Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256)),
  Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x00]),
];

describe("Spool", () => {
  it("gives every piece back byte for byte, in order, and starts the file over once nothing is owed", async () => {
    const budget = new SpoolBudget(1 << 20);
    const spool = new Spool(spoolFile(), budget);
    const pieces = HOSTILE.map((b) => spool.append(REC, b));
    expect(spool.bytes).toBe(HOSTILE.reduce((n, b) => n + b.length, 0));
    expect(budget.bytes).toBe(spool.bytes);
    for (const [i, p] of pieces.entries()) {
      expect((await spool.read(p)).equals(HOSTILE[i]!)).toBe(true);
      spool.release(p);
    }
    expect(spool.pieces).toBe(0);
    expect(budget.bytes).toBe(0);
    // A piece appended after the file started over lands at its start, after the truncation.
    const again = spool.append(REC, HOSTILE[0]);
    const header = 8 + Buffer.byteLength(JSON.stringify(REC));
    expect(again.position).toBe(header);
    expect((await spool.read(again)).equals(HOSTILE[0]!)).toBe(true);
    expect(statSync(spool.file).size).toBe(header + HOSTILE[0]!.length);
    await spool.remove();
    expect(existsSync(spool.file)).toBe(false);
  });

  it("refuses bytes past the worker's budget, shared by every run's spool", async () => {
    const budget = new SpoolBudget(100);
    const a = new Spool(spoolFile(), budget);
    const b = new Spool(spoolFile(), budget);
    a.append(REC, Buffer.alloc(60));
    expect(() => b.append(REC, Buffer.alloc(41))).toThrow(SpoolFull);
    expect(() => b.append(REC, Buffer.alloc(41))).toThrow(/PROOFBOARD_SPOOL_BYTES/);
    const fits = b.append(REC, Buffer.alloc(40, 7));
    expect((await b.read(fits)).equals(Buffer.alloc(40, 7))).toBe(true);
    await a.remove();
    expect(budget.bytes).toBe(40);
    await b.remove();
    expect(budget.bytes).toBe(0);
  });

  it("holds records the next worker can read back alone, whatever their text; a record cut short ends the list", async () => {
    const spool = new Spool(spoolFile(), new SpoolBudget(1 << 20));
    // Console names and marker text are data: quotes, newlines, NUL, a lone surrogate, escapes.
    const hostileName = 'n"\n\u0000\ud800\u001b[2J' + "ü".repeat(40);
    const records: SpoolRecord[] = HOSTILE.map((b, i) => ({
      ...REC,
      console: i % 2 ? hostileName : "harness",
      offset: i,
      markers: [{ offset: i, line: 1, kind: "kernel-panic", text: hostileName }],
    }));
    records.push({
      t: "verdict",
      outcome: { status: "passed", failureKind: null, exitCode: 0, reason: null },
      metrics: [{ name: "boot", value: 1.5, unit: "s" }],
      repositoryId: "r",
      commitSha: "c".repeat(40),
    });
    for (const [i, r] of records.entries()) await spool.append(r, HOSTILE[i]).written;
    const back = await readSpoolRecords(spool.file);
    expect(back.map((b) => b.record)).toEqual(JSON.parse(JSON.stringify(records)));
    expect(back.map((b) => b.data)).toEqual([...HOSTILE, Buffer.alloc(0)]);
    // The worker died while writing the last record: only whole records count.
    await truncate(spool.file, statSync(spool.file).size - 3);
    expect((await readSpoolRecords(spool.file)).length).toBe(records.length - 1);
    await truncate(spool.file, 5);
    expect(await readSpoolRecords(spool.file)).toEqual([]);
    await spool.remove();
  });
});
