import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resetEnvCache } from "@proofboard/env";
import { loadSiteOverlay, resetSiteOverlay, siteOverlay } from "./site-overlay";

const dir = mkdtempSync(path.join(os.tmpdir(), "pb-overlay-read-"));

function use(file: string | undefined): void {
  if (file === undefined) delete process.env.PROOFBOARD_CATALOG_OVERLAY;
  else process.env.PROOFBOARD_CATALOG_OVERLAY = file;
  resetEnvCache();
  resetSiteOverlay();
}

afterEach(() => use(undefined));

describe("the site overlay file", () => {
  it("unset or empty: no overlay", async () => {
    use(undefined);
    expect(await siteOverlay()).toBeNull();
    use("");
    expect(await loadSiteOverlay()).toBeNull();
  });

  it("is read once per process, and said at start", async () => {
    const file = path.join(dir, "site.yaml");
    writeFileSync(file, "version: 1\nlanes:\n  - { name: fresh-smoke, host: kvm }\n");
    use(file);
    expect(await loadSiteOverlay()).toBe(`site overlay ${file}: 1 lane(s): fresh-smoke`);
    // a change on disk is not seen until a restart
    writeFileSync(file, "version: 1\nlanes:\n  - { name: other, host: kvm }\n");
    expect((await siteOverlay())?.overrides.map((o) => o.name)).toEqual(["fresh-smoke"]);
  });

  it("a missing file, a folder and a FIFO are refused with a readable message, never waited on", async () => {
    use(path.join(dir, "missing.yaml"));
    await expect(loadSiteOverlay()).rejects.toThrow(
      `${path.join(dir, "missing.yaml")}:1: cannot read the site overlay (ENOENT: no such file or directory, stat '${path.join(dir, "missing.yaml")}'); PROOFBOARD_CATALOG_OVERLAY must name a readable YAML file`,
    );
    use(dir);
    await expect(loadSiteOverlay()).rejects.toThrow("cannot read the site overlay (not a regular file)");
    const fifo = path.join(dir, "fifo.yaml");
    execFileSync("mkfifo", [fifo]);
    use(fifo);
    await expect(loadSiteOverlay()).rejects.toThrow("cannot read the site overlay (not a regular file)");
  });

  it("a relative path is taken from the repository root, whatever the process's folder", async () => {
    use("catalogs/ultracloud-site.example.yaml");
    const overlay = await siteOverlay();
    expect(overlay?.file).toBe(path.resolve(import.meta.dirname, "../../../catalogs/ultracloud-site.example.yaml"));
    expect(overlay?.overrides.map((o) => o.name)).toContain("site-kvm-health");
  });
});
