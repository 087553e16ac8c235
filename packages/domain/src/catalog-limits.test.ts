import { describe, expect, it } from "vitest";
import { CatalogError, MAX_CATALOG_BYTES, MAX_LANES, parseCatalog } from "./catalog";

const lane = (i: number) =>
  `  - { name: lane-${i}, description: lane ${i}, command: [echo, "${i}"], group: publishable, host: tcg, timeoutSeconds: 60 }`;
const catalogOf = (lanes: number) =>
  ["version: 1", "name: limits", "lanes:", ...Array.from({ length: lanes }, (_, i) => lane(i)), "gates: []", ""].join(
    "\n",
  );

function refusal(text: string): CatalogError {
  try {
    parseCatalog(text, "proofboard.yaml@abc");
  } catch (err) {
    if (err instanceof CatalogError) return err;
    throw err;
  }
  throw new Error("parseCatalog accepted it");
}

describe("parseCatalog limits", () => {
  it("accepts MAX_LANES lanes, so the refusals below come from the limits", () => {
    expect(parseCatalog(catalogOf(MAX_LANES), "proofboard.yaml@abc").lanes).toHaveLength(MAX_LANES);
  });

  it("refuses a file over 1 MiB at line 1 before parsing it, however broken its YAML is", () => {
    // invalid YAML past the limit: a parse would report the syntax error instead of the size
    const huge = `version: 1\n${"lanes: [\n".repeat(Math.ceil(MAX_CATALOG_BYTES / 9) + 1)}`;
    const err = refusal(huge);
    expect(err.line).toBe(1);
    expect(err.message).toBe(
      `proofboard.yaml@abc:1: the catalog is ${Buffer.byteLength(huge).toLocaleString("en-US")} bytes; the limit is 1 MiB (1048576 bytes): shrink the file`,
    );
  });

  it("counts bytes, not characters: multi-byte text over the limit is refused", () => {
    const text = `version: 1\nname: "${"é".repeat(MAX_CATALOG_BYTES / 2)}"\n`; // ~0.5 M characters, ~1 MiB + bytes
    expect(text.length).toBeLessThan(MAX_CATALOG_BYTES);
    expect(refusal(text).detail).toMatch(/^the catalog is 1,048,5\d\d bytes; the limit is 1 MiB/);
  });

  it("refuses more than MAX_LANES lanes at the lanes key", () => {
    const err = refusal(catalogOf(MAX_LANES + 1));
    expect([err.path, err.line, err.detail]).toEqual(["lanes", 3, `${MAX_LANES + 1} lanes; the limit is ${MAX_LANES}`]);
  });
});
