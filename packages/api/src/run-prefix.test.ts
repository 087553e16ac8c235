import { describe, expect, it } from "vitest";
import { ambiguousMessage, parseRunPrefix, uuidRange } from "./run-prefix";

const ID = "1234abcd-5678-4ef0-9abc-def012345678";

describe("uuidRange", () => {
  it("pads with 0s and fs and puts the dashes where a uuid has them", () => {
    expect(uuidRange("1234abcd")).toEqual({
      lo: "1234abcd-0000-0000-0000-000000000000",
      hi: "1234abcd-ffff-ffff-ffff-ffffffffffff",
    });
    expect(uuidRange("1234abcd5")).toEqual({
      lo: "1234abcd-5000-0000-0000-000000000000",
      hi: "1234abcd-5fff-ffff-ffff-ffffffffffff",
    });
    expect(uuidRange("1234abcd56784ef09abcd")).toEqual({
      lo: "1234abcd-5678-4ef0-9abc-d00000000000",
      hi: "1234abcd-5678-4ef0-9abc-dfffffffffff",
    });
  });

  it("is the id itself for all 32 digits", () => {
    const hex = ID.replaceAll("-", "");
    expect(uuidRange(hex)).toEqual({ lo: ID, hi: ID });
  });

  it("holds exactly the ids that start with the prefix, in the order uuids sort", () => {
    const { lo, hi } = uuidRange("1234abcd5");
    const inside = (id: string) => lo <= id && id <= hi;
    expect(inside(ID)).toBe(true);
    expect(inside("1234abcd-5000-0000-0000-000000000000")).toBe(true);
    expect(inside("1234abcd-4fff-ffff-ffff-ffffffffffff")).toBe(false);
    expect(inside("1234abcd-6000-0000-0000-000000000000")).toBe(false);
    expect(inside("1234abce-5000-0000-0000-000000000000")).toBe(false);
  });

  it("refuses anything but hex digits: it only ever gets a parsed prefix", () => {
    for (const bad of ["1234abcG", "1234-abcd", "'; drop", "1".repeat(33)]) expect(() => uuidRange(bad), bad).toThrow();
  });
});

describe("parseRunPrefix", () => {
  it("takes plain hex, any case, and dashes only where a uuid has them", () => {
    expect(parseRunPrefix("1234ABCD")).toEqual({ ok: true, hex: "1234abcd" });
    expect(parseRunPrefix("1234abcd-56")).toEqual({ ok: true, hex: "1234abcd56" });
    expect(parseRunPrefix("1234abcd-")).toEqual({ ok: true, hex: "1234abcd" });
    expect(parseRunPrefix(ID)).toEqual({ ok: true, hex: ID.replaceAll("-", "") });
    expect(parseRunPrefix(ID.replaceAll("-", ""))).toEqual({ ok: true, hex: ID.replaceAll("-", "") });
  });

  it("says a prefix under 8 digits is too short", () => {
    expect(parseRunPrefix("1234abc")).toEqual({
      ok: false,
      message: 'run id prefix "1234abc" is too short: give at least 8 hex digits',
    });
    expect(parseRunPrefix("1234-")).toMatchObject({ ok: false });
  });

  it("refuses what is not a run id, echoing it cut short and quoted", () => {
    for (const bad of [
      "'; drop table run; --",
      "../x",
      "1234abcdg",
      "1234-abcd",
      "1234abcd--",
      `${ID}0`,
      "1234abcd 5",
      "",
      "\x1b[31m1234abcd",
    ]) {
      const r = parseRunPrefix(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.message, bad).toMatch(/^not a run id: ".*"; a run id is hex digits/);
    }
    const long = parseRunPrefix("a".repeat(300));
    expect(!long.ok && long.message).toBe(
      `not a run id: "${"a".repeat(40)}…"; a run id is hex digits and dashes, as proofboard runs prints it`,
    );
    const esc = parseRunPrefix("\x1b]0;x\x07");
    expect(!esc.ok && esc.message).toContain('"\\u001b]0;x\\u0007"');
  });
});

describe("ambiguousMessage", () => {
  it("lists up to five ids and says when there are more", () => {
    const ids = Array.from({ length: 6 }, (_, i) => `1234abcd-0000-4000-8000-00000000000${i}`);
    expect(ambiguousMessage("1234abcd", ids.slice(0, 2))).toBe(
      `run id prefix "1234abcd" is ambiguous: it matches ${ids[0]}, ${ids[1]}`,
    );
    expect(ambiguousMessage("1234abcd", ids)).toBe(
      `run id prefix "1234abcd" is ambiguous: it matches ${ids.slice(0, 5).join(", ")} and more`,
    );
  });
});
