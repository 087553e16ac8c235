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

  it("hands a write whole, cut only after newlines inside a string escape, where xterm takes no line feed", () => {
    const pieces = new LinePieces();
    const plain = bytes("one\ntwo\n\x1b[31mred\x1b[0m\n\x1b]0;title\x07\n");
    expect(pieces.of(plain)).toEqual([plain]);
    // random bytes open an OSC (ESC ]) that does not end: its newlines are cut after, into the next write
    expect(text(pieces.of(bytes("a\n\x1b]0;\xff\ngarbage\nb")))).toEqual(["a\n\x1b]0;\xff\n", "garbage\n", "b"]);
    expect(text(pieces.of(bytes("still open\nc\n")))).toEqual(["still open\n", "c\n"]);
    // BEL ends it
    expect(text(pieces.of(bytes("x\x07y\nz\n")))).toEqual(["x\x07y\nz\n"]);
    // an ESC ends it and may open the next; CAN and SUB end it
    expect(text(new LinePieces().of(bytes("\x1bPa\n\x1b\\b\n\x1b_c\n\x18d\n")))).toEqual([
      "\x1bPa\n",
      "\x1b\\b\n\x1b_c\n",
      "\x18d\n",
    ]);
    // the C1 form (UTF-8 C2 9D) opens one too, and C1 ST (C2 9C) ends it
    expect(text(new LinePieces().of(bytes("\xc2\x9da\nb\xc2\x9c\nc\n")))).toEqual(["\xc2\x9da\n", "b\xc2\x9c\nc\n"]);
    // an ESC at the end of one write, its ] at the start of the next
    const split = new LinePieces();
    expect(split.of(bytes("q\x1b"))).toHaveLength(1);
    expect(text(split.of(bytes("]x\ny\x07\nz\n")))).toEqual(["]x\n", "y\x07\nz\n"]);
  });
});
