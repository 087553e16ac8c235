import { describe, expect, it } from "vitest";
import { parseSignOfLife } from "./alive";

describe("parseSignOfLife", () => {
  it("reads the time and spooled bytes a worker writes", () => {
    expect(parseSignOfLife(JSON.stringify({ at: 1_796_000_000_000, spooledBytes: 12_423 }))).toEqual({
      at: 1_796_000_000_000,
      spooledBytes: 12_423,
    });
  });

  it("takes the bare time of workers from before the spool was told", () => {
    expect(parseSignOfLife("1796000000000")).toEqual({ at: 1_796_000_000_000, spooledBytes: 0 });
  });

  it("is no sign at all for anything else a key may hold", () => {
    for (const hostile of ["", "{", "null", "[]", '{"at":"soon"}', '{"at":1e999}', "1e3", "-5", "<script>"])
      expect(parseSignOfLife(hostile), hostile).toBeNull();
    expect(parseSignOfLife('{"at":5,"spooledBytes":-3}')).toEqual({ at: 5, spooledBytes: 0 });
    expect(parseSignOfLife('{"at":5,"spooledBytes":"lots"}')).toEqual({ at: 5, spooledBytes: 0 });
  });
});
