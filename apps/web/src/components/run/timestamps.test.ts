import { describe, expect, it } from "vitest";
import { formatOffset, stampLines, timeAt } from "./timestamps";

const dec = new TextDecoder();
const enc = new TextEncoder();

describe("console timestamps", () => {
  it("formats offsets from the run start", () => {
    expect(formatOffset(0)).toBe("+00:00.000");
    expect(formatOffset(61_234)).toBe("+01:01.234");
  });

  it("finds the chunk time of any byte", () => {
    const marks: [number, number][] = [
      [0, 1000],
      [10, 2000],
      [20, 3000],
    ];
    expect(timeAt(marks, 0)).toBe(1000);
    expect(timeAt(marks, 15)).toBe(2000);
    expect(timeAt(marks, 99)).toBe(3000);
    expect(timeAt([[5, 1]], 2)).toBeNull();
  });

  it("prefixes every line start, across calls, and keeps the bytes in between intact", () => {
    const marks: [number, number][] = [
      [0, 1000],
      [6, 2500],
    ];
    const state = { atLineStart: true };
    const a = stampLines(enc.encode("one\ntw"), 0, marks, 1000, state);
    const b = stampLines(enc.encode("o\n\xff"), 6, marks, 1000, state);
    expect(dec.decode(a)).toBe("\x1b[2m+00:00.000\x1b[22m one\n\x1b[2m+00:00.000\x1b[22m tw");
    expect(dec.decode(b)).toBe("o\n\x1b[2m+00:01.500\x1b[22m \xff");
  });
});
