import { describe, expect, it } from "vitest";
import { ConsoleMatcher, searchQueryProblem, type ConsoleMatch } from "./console-matcher";

const ESC = "\x1b";

/** Every way to cut a buffer: whole, byte by byte, and in odd-sized pieces (mid-escape, mid-UTF-8). */
function chunkings(buf: Buffer): Buffer[][] {
  const pieces = (n: number) =>
    Array.from({ length: Math.ceil(buf.length / n) }, (_, i) => buf.subarray(i * n, i * n + n));
  return [[buf], pieces(1), pieces(7), pieces(64)];
}

function search(query: string, bytes: Buffer | string, listMax?: number) {
  const buf = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes;
  const results = chunkings(buf).map((chunks) => {
    const m = new ConsoleMatcher(query, listMax);
    for (const c of chunks) m.push(c);
    return { ...m.end(), lines: m.lines, bytes: m.bytes };
  });
  // However the bytes were cut, the answer is the same.
  for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  return results[0]!;
}

const shown = (m: ConsoleMatch) => m.text.slice(m.start, m.end);

describe("ConsoleMatcher", () => {
  it("counts every occurrence and lists each line once, with its line offset and the line as shown, in any chunking", () => {
    const text = "boot\n[    1.0] chainfire: ok\nnode02: Chainfire failed; CHAINFIRE again\nlast chainfire";
    const r = search("chainfire", text);
    expect(r.count).toBe(4);
    expect(r.matchedLines).toBe(3);
    expect(r.lines).toBe(4);
    expect(r.bytes).toBe(text.length);
    expect(r.matches.map((m) => [m.line, m.offset, shown(m)])).toEqual([
      [2, 5, "chainfire"],
      [3, 29, "Chainfire"],
      [4, 71, "chainfire"],
    ]);
    expect(r.matches[1]!.text).toBe("node02: Chainfire failed; CHAINFIRE again");
  });

  it("sees text through colours, OSC titles and \\r, as a person reads it", () => {
    const line = `[${ESC}[0;1;31mFAILED${ESC}[0m] Failed to start ${ESC}]0;title\x07fiberlb.service\r\n`;
    const r = search("[FAILED] Failed to start fiberlb", line + line);
    expect(r.count).toBe(2);
    expect(r.matches[0]!.text).toBe("[FAILED] Failed to start fiberlb.service");
    expect(r.matches[1]).toMatchObject({ line: 2, offset: line.length });
  });

  it("keeps invalid UTF-8, NUL and split characters from breaking a match or its line", () => {
    const bytes = Buffer.concat([
      Buffer.from("caf\xc3\xa9 \xff\xfe panic\x00: ", "latin1"),
      Buffer.from("Kernel PANIC", "latin1"),
      Buffer.from(" \xe2\x82 end\n", "latin1"),
      Buffer.from("é and É\n"),
    ]);
    expect(search("panic", bytes).count).toBe(2);
    const r = search("panic: kernel", bytes);
    expect(r.count).toBe(1);
    expect(r.matches[0]!.text).toBe("café \ufffd\ufffd panic: Kernel PANIC \ufffd end");
    // Only ASCII letters fold: é is not É.
    expect(search("é", bytes).matches.map(shown)).toEqual(["é", "é"]);
    expect(search("É", bytes).count).toBe(1);
  });

  it("takes hostile queries literally", () => {
    const text = "100% of a_b done\n(.*) [x] ^$ \\d+ ${HOME} $(rm -rf /)\n";
    expect(search("%", text).count).toBe(1);
    expect(search("_", text).count).toBe(1);
    expect(search("(.*)", text).count).toBe(1);
    expect(search("\\d+", text).count).toBe(1);
    expect(search("$(rm -rf /)", text).count).toBe(1);
    expect(search(".", text).count).toBe(1);
    expect(search("*", text).count).toBe(1);
  });

  it("counts non-overlapping occurrences and lists at most listMax lines", () => {
    expect(search("aa", "aaaa\naaa\n").count).toBe(3);
    const one = search("x", "x".repeat(25), 20);
    expect([one.count, one.matchedLines, one.matches.length, one.matches[0]!.start]).toEqual([25, 1, 1, 0]);
    const r = search("x", "x x\n".repeat(25), 20);
    expect([r.count, r.matchedLines]).toEqual([50, 25]);
    expect(r.matches.map((m) => m.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("shows a match deep inside a very long line, cut to 300 characters around it", () => {
    const bytes = Buffer.from(`${"é".repeat(100_000)}NEEDLE${"ü".repeat(100_000)}\nnext`);
    const r = search("needle", bytes);
    expect(r.count).toBe(1);
    const m = r.matches[0]!;
    expect(m.text.length).toBeLessThanOrEqual(300);
    expect(shown(m)).toBe("NEEDLE");
    expect(m.text).not.toContain("\ufffd");
    expect(m).toMatchObject({ line: 1, offset: 0 });
  });

  it("never lets an unterminated escape swallow the next line", () => {
    const r = search("visible", `a${ESC}]0;never ended\nvisible${ESC}[31\nvisible ${ESC}Pdcs\nvisible`);
    expect(r.matches.map((m) => m.line)).toEqual([2, 3, 4]);
  });
});

describe("searchQueryProblem", () => {
  it("refuses empty, over-long and control-character queries with a reason", () => {
    expect(searchQueryProblem("")).toMatch(/empty/);
    expect(searchQueryProblem("x".repeat(201))).toMatch(/longer than 200/);
    for (const q of ["a\nb", `${ESC}[31m`, "nul\u0000", "\r", "\u009b"])
      expect(searchQueryProblem(q)).toMatch(/control character/);
    for (const q of ["x", "tab\there", "%_*?", "x".repeat(200), "日本語"]) expect(searchQueryProblem(q)).toBeNull();
    expect(() => new ConsoleMatcher("a\u0000")).toThrow(/control character/);
  });
});
