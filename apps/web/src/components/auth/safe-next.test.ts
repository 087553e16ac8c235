import { describe, expect, it } from "vitest";
import { safeNextPath } from "./safe-next";

describe("safeNextPath", () => {
  it("keeps a same-site path with its query and hash", () => {
    expect(safeNextPath("/runs/abc?x=1#node01")).toBe("/runs/abc?x=1#node01");
    expect(safeNextPath("/branches/feature%2Fx")).toBe("/branches/feature%2Fx");
  });

  it("sends everything else home", () => {
    for (const bad of [
      null,
      undefined,
      "",
      "runs",
      "//evil.example",
      "/\\evil.example",
      "/\t/evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "/login?next=/x",
    ]) {
      expect(safeNextPath(bad)).toBe("/");
    }
  });
});
