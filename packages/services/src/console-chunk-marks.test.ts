import { describe, expect, it } from "vitest";
import { chunkMarks } from "./consoles";

describe("chunkMarks", () => {
  it("marks a row as the worker stored it at its start, or at where a read begins inside it", () => {
    expect(chunkMarks(100, 5000, null, 100, 200)).toEqual([[100, 5000]]);
    expect(chunkMarks(100, 5000, null, 150, 200)).toEqual([[150, 5000]]);
  });

  it("gives a compacted row's kept chunk times, from the read's start to the row's end", () => {
    const stamps = [
      ["100", "5000"],
      ["130", "5200"],
      ["170", "5400"],
    ];
    expect(chunkMarks(100, 5000, stamps, 100, 200)).toEqual([
      [100, 5000],
      [130, 5200],
      [170, 5400],
    ]);
    // a read from inside the second chunk starts with that chunk's time
    expect(chunkMarks(100, 5000, stamps, 140, 200)).toEqual([
      [140, 5200],
      [170, 5400],
    ]);
    // a stamp at or past the row's end belongs to the next row
    expect(chunkMarks(100, 5000, [...stamps, ["200", "6000"]], 100, 200)).toHaveLength(3);
  });
});
