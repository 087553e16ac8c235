import { describe, expect, it } from "vitest";
import { decodeOffsets, encodeOffsets } from "./follow-wire";

describe("tracked console offsets", () => {
  it("round-trips and is never empty", () => {
    expect(encodeOffsets(new Map())).toBe("@");
    const m = new Map([
      ["harness", 1024],
      ["node01", 0],
    ]);
    expect(decodeOffsets(encodeOffsets(m))).toEqual({ harness: 1024, node01: 0 });
  });

  it("ignores hostile or malformed parts", () => {
    expect(decodeOffsets("@harness:-1,../x:5,node01:1e3,ok:7,:9,<script>:1")).toEqual({ ok: 7 });
    expect(decodeOffsets(null)).toEqual({});
  });
});
