import { describe, expect, it } from "vitest";
import { diffLines, hunks, type Edit } from "./line-diff";

/** Longest common subsequence by dynamic programming: what a minimal diff keeps. */
function lcs(a: string[], b: string[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      t[i]![j] = a[i - 1] === b[j - 1] ? t[i - 1]![j - 1]! + 1 : Math.max(t[i - 1]![j]!, t[i]![j - 1]!);
  return t[a.length]![b.length]!;
}

/** The edit script, checked: it walks both sides in order and its "=" lines really are equal. */
function check(a: string[], b: string[], edits: Edit[]) {
  let i = 0;
  let j = 0;
  for (const e of edits) {
    if (e.op !== "+") expect(e.a).toBe(i++);
    if (e.op !== "-") expect(e.b).toBe(j++);
    if (e.op === "=") expect(a[e.a]).toBe(b[e.b]);
  }
  expect([i, j]).toEqual([a.length, b.length]);
}

describe("diffLines", () => {
  it("is minimal and consistent on random inputs", () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const a = Array.from({ length: rand(14) }, () => "abcd"[rand(4)]!);
      const b = Array.from({ length: rand(14) }, () => "abcd"[rand(4)]!);
      const edits = diffLines(a, b, 100)!;
      check(a, b, edits);
      expect(edits.filter((e) => e.op === "=").length).toBe(lcs(a, b));
    }
  });

  it("finds one changed line among equal ones", () => {
    const a = ["boot", "deployer ok", "fiberlb ok", "PASS"];
    const b = ["boot", "deployer ok", "fiberlb FAILED", "FAIL"];
    expect(
      diffLines(a, b, 10)!
        .map((e) => e.op)
        .join(""),
    ).toBe("==--++");
    expect(diffLines([], [], 0)).toEqual([]);
    expect(diffLines(["x"], [], 1)).toEqual([{ op: "-", a: 0, b: -1 }]);
  });

  it("gives up above the edit cap instead of spending quadratic time", () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`);
    const started = Date.now();
    expect(diffLines(a, b, 1000)).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(diffLines(a, a, 0)).toHaveLength(5000);
  });
});

describe("hunks", () => {
  const ops = (s: string): Edit[] => [...s].map((op, i) => ({ op: op as Edit["op"], a: i, b: i }));
  const shape = (hs: Edit[][]) => hs.map((h) => h.map((e) => e.op).join(""));

  it("puts three lines of context around each change and merges close changes", () => {
    expect(shape(hunks(ops("==========-+==========")))).toEqual(["===-+==="]);
    expect(shape(hunks(ops("-====+")))).toEqual(["-====+"]);
    expect(shape(hunks(ops("=-=======+=")))).toEqual(["=-===", "===+="]);
    expect(shape(hunks(ops("====")))).toEqual([]);
  });

  it("stops after max hunks", () => {
    expect(shape(hunks(ops("-========-========-========-"), 3, 3))).toEqual(["-===", "===-===", "===-==="]);
  });
});
