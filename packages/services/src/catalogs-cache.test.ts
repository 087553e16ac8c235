import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CatalogError } from "@proofboard/domain";
import { resetEnvCache } from "@proofboard/env";
import { catalogAt, catalogParses, catalogsAt } from "./catalogs";
import { mirrorFor } from "./repositories";

// A real git repository and mirror: the cache is keyed by commit and by the catalog's hash, not mocked away.
const target = mkdtempSync(path.join(os.tmpdir(), "pb-catcache-target-"));
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", ...args], {
    cwd: target,
    encoding: "utf8",
  }).trim();
const commit = (text: string, message: string) => {
  writeFileSync(path.join(target, "proofboard.yaml"), text);
  writeFileSync(path.join(target, "n.txt"), message);
  git("add", "-A");
  git("commit", "-q", "-m", message);
  return git("rev-parse", "HEAD");
};
const invalid = "version: 1\nname: bad\nlanes:\n  - { name: x }\n";
const valid =
  'version: 1\nname: ok\nlanes:\n  - { name: x, description: x, command: ["true"], group: publishable, host: tcg, timeoutSeconds: 5 }\ngates: []\n';
const repo = { id: "catcache", name: "catcache", url: target };
let bad1: string, bad2: string, good: string;

beforeAll(async () => {
  process.env.PROOFBOARD_DATA_DIR = mkdtempSync(path.join(os.tmpdir(), "pb-catcache-data-"));
  delete process.env.PROOFBOARD_CATALOG_OVERLAY;
  resetEnvCache();
  git("init", "-q", "-b", "main");
  bad1 = commit(invalid, "one");
  bad2 = commit(invalid, "two"); // same catalog text, another commit
  good = commit(valid, "three");
  const mirror = mirrorFor(repo);
  await mirror.ensure();
  await mirror.fetch();
});

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("resolved");
    },
    (e: unknown) => e as CatalogError,
  );

describe("catalog cache", () => {
  it("parses an invalid catalog once: the error is cached per commit and per text", async () => {
    const before = catalogParses.count;
    const first = await errorOf(catalogAt(repo, bad1));
    expect(first).toBeInstanceOf(CatalogError);
    expect(first.message).toMatch(new RegExp(`^proofboard\\.yaml@${bad1.slice(0, 10)}:4: lanes\\[0\\]\\.\\w+: `));
    for (let i = 0; i < 5; i++) expect(await errorOf(catalogAt(repo, bad1))).toBe(first);
    expect(catalogParses.count - before).toBe(1);
    // the other commit with the same text: no parse, and its error names its own commit
    const many = await catalogsAt(repo, [bad1, bad2, good]);
    const second = many.get(bad2) as CatalogError;
    expect(second).toBeInstanceOf(CatalogError);
    expect(second.file).toBe(`proofboard.yaml@${bad2.slice(0, 10)}`);
    expect([second.line, second.path, second.detail]).toEqual([first.line, first.path, first.detail]);
    expect(many.get(good)).not.toBeInstanceOf(CatalogError);
    expect(catalogParses.count - before).toBe(2); // + the valid text, once
    await catalogsAt(repo, [bad1, bad2, good]);
    await catalogAt(repo, good);
    expect(catalogParses.count - before).toBe(2);
  });
});
