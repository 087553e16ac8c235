import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Mirror } from "./mirror";
import { runGit } from "./run";
import { makeTmp, SourceRepo } from "./testing";

/** Branch names git accepts and a shell would execute or an argv parser would take as options. */
const HOSTILE = [
  "$(touch${IFS}pwned)",
  "`touch${IFS}pwned`",
  "a;touch${IFS}pwned",
  "-rf",
  "--upload-pack=touch${IFS}pwned",
];

describe("hostile branch names stay data", { timeout: 30_000 }, () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let source: SourceRepo;
  let base: string;
  let other: string;

  beforeEach(async () => {
    tmp = await makeTmp("hostile");
    source = await SourceRepo.create(join(tmp.dir, "source"));
    base = await source.commit("README.md", "hello\n");
    other = await source.commit("README.md", "hello again\n");
  });
  afterEach(() => tmp.cleanup());

  function assertNothingRan(folders: string[]): void {
    const candidates = [process.cwd(), tmpdir(), tmp.dir, source.path, join(source.path, ".git"), ...folders];
    for (const folder of candidates) expect(existsSync(join(folder, "pwned")), `pwned in ${folder}`).toBe(false);
  }

  it("clone, list, fetch and worktrees keep every name byte for byte", async () => {
    for (const name of HOSTILE) await source.git(["update-ref", `refs/heads/${name}`, base]);

    const mirror = new Mirror({ url: source.path, path: join(tmp.dir, "mirror.git") });
    await mirror.ensure();
    const listed = await mirror.listBranches();
    expect(listed.rejected).toEqual([]);
    expect(listed.branches).toEqual(
      [...HOSTILE, "main"].sort().map((name) => ({ name, sha: name === "main" ? other : base })),
    );

    // Move, delete and re-add the hostile branches in the source, then fetch.
    await source.git(["update-ref", `refs/heads/${HOSTILE[0]}`, other]);
    await source.git(["update-ref", "-d", `refs/heads/${HOSTILE[3]}`]);
    await source.git(["update-ref", "-d", `refs/heads/${HOSTILE[4]}`]);
    await source.git(["update-ref", `refs/heads/${HOSTILE[4]}/nested`, other]);
    await mirror.fetch();
    const after = new Map((await mirror.listBranches()).branches.map((b) => [b.name, b.sha]));
    expect(after.get(HOSTILE[0] ?? "")).toBe(other);
    expect(after.has(HOSTILE[3] ?? "")).toBe(false);
    expect(after.get(`${HOSTILE[4]}/nested`)).toBe(other);

    const worktrees: string[] = [];
    for (const [i, sha] of [...after.values()].entries()) {
      const dir = join(tmp.dir, "work", `run-${i}`);
      await mirror.addWorktree(sha, dir);
      expect(existsSync(join(dir, "README.md"))).toBe(true);
      worktrees.push(dir);
    }
    for (const dir of worktrees) await mirror.removeWorktree(dir);

    const commit = await mirror.commitInfo(base);
    expect(commit.sha).toBe(base);
    assertNothingRan([mirror.path, ...worktrees, join(tmp.dir, "work")]);
  });

  it("refuses names git accepts but we do not, and lists them as rejected", async () => {
    // One file name may not exceed 255 bytes, but a nested ref name can.
    const long = ["x", "y", "z"].map((c) => c.repeat(100)).join("/");
    await source.git(["update-ref", `refs/heads/${long}`, base]);
    await source.git(["update-ref", "refs/heads/@", base]);
    const mirror = new Mirror({ url: source.path, path: join(tmp.dir, "mirror.git") });
    await mirror.ensure();
    const listed = await mirror.listBranches();
    expect(listed.branches.map((b) => b.name)).toEqual(["main"]);
    expect(listed.rejected).toEqual([
      { name: "@", reason: 'is "@", which git reads as HEAD' },
      { name: long, reason: "is longer than 255 bytes" },
    ]);
  });

  it("lists a ref name that is not UTF-8 as rejected instead of mangling it", async () => {
    // Node cannot put invalid UTF-8 in argv, so the ref is written as a loose ref file.
    const mirror = new Mirror({ url: source.path, path: join(tmp.dir, "mirror.git") });
    await mirror.ensure();
    const refFile = Buffer.concat([Buffer.from(join(mirror.path, "refs", "heads", "bad-")), Buffer.from([0xff])]);
    await writeFile(refFile, `${base}\n`);
    const listed = await mirror.listBranches();
    expect(listed.branches.map((b) => b.name)).toEqual(["main"]);
    expect(listed.rejected).toEqual([{ name: "bad-\uFFFD", reason: "is not valid UTF-8" }]);
  });

  it("hostile URLs never reach git", async () => {
    for (const url of ["--upload-pack=touch pwned", "ext::sh -c touch% pwned", "fd::0"]) {
      expect(() => new Mirror({ url, path: join(tmp.dir, "m.git") })).toThrow();
    }
    // Even called directly, git refuses the ext transport because runGit restricts protocols.
    await expect(
      runGit(["clone", "--quiet", "--", "ext::sh -c touch% pwned", join(tmp.dir, "ext")], { cwd: tmp.dir }),
    ).rejects.toThrow(/git clone failed: .*transport 'ext' not allowed/s);
    assertNothingRan([join(tmp.dir, "ext")]);
  });
});
