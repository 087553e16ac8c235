import { describe, expect, it } from "vitest";
import { countNewlines, LinePieces, withoutExtraLineFeeds } from "./terminal-lines";

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));
const text = (parts: Uint8Array[]) => parts.map((p) => Buffer.from(p).toString("latin1"));

describe("terminal lines", () => {
  it("drops VT and FF on screen, so only a newline starts a line, and leaves other bytes alone", () => {
    const plain = bytes("a\nb\tc\x1b[1md");
    expect(withoutExtraLineFeeds(plain)).toBe(plain);
    expect([...withoutExtraLineFeeds(bytes("page\x0cnext\x0bline\n"))]).toEqual([...bytes("page\0next\0line\n")]);
    expect(countNewlines(bytes("\n\nx\n"))).toBe(3);
  });

  it("hands a write whole, unless a string escape could swallow its newlines: then after each newline, and the next write too", () => {
    const pieces = new LinePieces();
    const plain = bytes("one\ntwo\n\x1b[31mred\x1b[0m\n");
    expect(pieces.of(plain)).toEqual([plain]);
    // random bytes open an OSC (ESC ]) with no end: xterm takes no line feed inside it
    expect(text(pieces.of(bytes("a\n\x1b]0;\xff\ngarbage\nb")))).toEqual(["a\n", "\x1b]0;\xff\n", "garbage\n", "b"]);
    expect(text(pieces.of(bytes("still open?\nc\n")))).toEqual(["still open?\n", "c\n"]);
    expect(text(pieces.of(bytes("x\ny\n")))).toEqual(["x\ny\n"]);
    for (const opener of ["P", "X", "^", "_"])
      expect(new LinePieces().of(bytes(`a\n\x1b${opener}b\n`))).toHaveLength(2);
  });
});
