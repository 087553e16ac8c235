import { describe, expect, it } from "vitest";
import { branchHref, branchNameFromSegments } from "./links";

describe("branchHref", () => {
  it("keeps slashes as path separators and encodes everything else per segment", () => {
    expect(branchHref("main")).toBe("/branches/main");
    expect(branchHref("feature/login")).toBe("/branches/feature/login");
    expect(branchHref("a?b#c%d")).toBe("/branches/a%3Fb%23c%25d");
  });

  // Dot segments never reach here: git refuses ref names holding ".." or a component starting with ".".
  it("keeps a query, fragment or escape in the name inside the path", () => {
    const url = new URL(branchHref("fix/a?admin=1#top%2F.."), "http://pb.test");
    expect(url.pathname).toBe("/branches/fix/a%3Fadmin%3D1%23top%252F..");
    expect(url.search).toBe("");
    expect(url.hash).toBe("");
  });

  it("round-trips through the catch-all route's segments", () => {
    for (const name of ["main", "feature/x", "weird %zz/ü", "$(rm -rf /)", "a//b"]) {
      const segments = branchHref(name).slice("/branches/".length).split("/");
      expect(branchNameFromSegments(segments)).toBe(name);
    }
  });

  it("keeps a malformed escape as typed", () => {
    expect(branchNameFromSegments(["bad%zz", "x"])).toBe("bad%zz/x");
  });
});
