import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Mirror } from "./mirror";
import { GitError } from "./run";
import { makeTmp, SourceRepo } from "./testing";

describe("Mirror", { timeout: 30_000 }, () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let source: SourceRepo;
  let mirror: Mirror;
  let mainSha: string;
  let featureSha: string;

  beforeEach(async () => {
    tmp = await makeTmp("mirror");
    source = await SourceRepo.create(join(tmp.dir, "source"));
    await source.commit("README.md", "hello\n");
    mainSha = await source.commit("lanes.txt", "fresh-smoke\n");
    await source.git(["checkout", "--quiet", "-b", "feature/fiberlb-rework"]);
    featureSha = await source.commit("fiberlb.toml", "healthy = false\n");
    await source.git(["checkout", "--quiet", "main"]);
    await source.git(["branch", "release/2026.11", "main"]);
    mirror = new Mirror({ url: source.path, path: join(tmp.dir, "mirrors", "demo.git") });
    await mirror.ensure();
  });
  afterEach(() => tmp.cleanup());

  it("heals a mirror holding a ref to an object it lacks, and clones a target with one as a remote would", async () => {
    // A ref the mirror cannot resolve (as a local-path clone of a half-done push left behind).
    const ghost = "0123456789abcdef0123456789abcdef01234567";
    await writeFile(join(tmp.dir, "mirrors", "demo.git", "refs", "heads", "ghost"), `${ghost}\n`);
    const next = await source.commit("later.txt", "after the ghost\n");
    await mirror.fetch();
    expect(await mirror.hasCommit(next)).toBe(true);
    expect((await mirror.listBranches()).branches.map((b) => b.name)).not.toContain("ghost");

    // The same half-done push in the target itself: a fresh clone refuses it (git's object checks)
    // instead of copying the broken ref, and clones once the push is complete.
    await writeFile(join(source.path, ".git", "refs", "heads", "half-pushed"), `${ghost}\n`);
    const fresh = new Mirror({ url: source.path, path: join(tmp.dir, "mirrors", "fresh.git") });
    await expect(fresh.ensure()).rejects.toThrow(GitError);
    // ...but it leaves an empty mirror behind, so a run's commit can still be fetched by its id.
    await fresh.ensure();
    await fresh.fetchCommit(next);
    expect(await fresh.hasCommit(next)).toBe(true);
    await expect(fresh.fetch()).rejects.toThrow(GitError);
    await source.git(["branch", "-f", "half-pushed", "main"]);
    await fresh.fetch();
    expect((await fresh.listBranches()).branches.map((b) => b.name)).toContain("half-pushed");
  });

  it("clones every branch with its head", async () => {
    expect(await mirror.listBranches()).toEqual({
      branches: [
        { name: "feature/fiberlb-rework", sha: featureSha },
        { name: "main", sha: mainSha },
        { name: "release/2026.11", sha: mainSha },
      ],
      rejected: [],
    });
    // The clone went through a temporary folder that must not be left behind.
    expect(await readdir(join(tmp.dir, "mirrors"))).toEqual(["demo.git"]);
  });

  it("ensure() is idempotent and follows a changed URL", async () => {
    await mirror.ensure();
    const moved = new Mirror({ url: `file://${source.path}`, path: mirror.path });
    await moved.ensure();
    const config = await readFile(join(mirror.path, "config"), "utf8");
    expect(config).toContain(`url = file://${source.path}`);
    await moved.fetch();
    expect((await moved.listBranches()).branches).toHaveLength(3);
  });

  it("refuses to clone over a folder that is not a mirror", async () => {
    const occupied = join(tmp.dir, "occupied");
    await mkdir(occupied);
    await writeFile(join(occupied, "notes.txt"), "keep me");
    await expect(new Mirror({ url: source.path, path: occupied }).ensure()).rejects.toThrow(/not a git mirror/);
    expect(await readFile(join(occupied, "notes.txt"), "utf8")).toBe("keep me");
  });

  it("leaves no folder behind when the clone fails", async () => {
    const broken = new Mirror({ url: join(tmp.dir, "no-such-repo"), path: join(tmp.dir, "broken", "m.git") });
    await expect(broken.ensure()).rejects.toThrow(/git clone failed: fatal: /);
    expect(await readdir(join(tmp.dir, "broken"))).toEqual([]);
  });

  it("fetch() reflects a new commit, a force-push and a deleted branch", async () => {
    await source.git(["checkout", "--quiet", "main"]);
    const newMain = await source.commit("lanes.txt", "fresh-smoke\nfresh-matrix\n");
    await source.git(["checkout", "--quiet", "feature/fiberlb-rework"]);
    await source.git(["reset", "--quiet", "--hard", mainSha]);
    const rewritten = await source.commit("fiberlb.toml", "healthy = true\n", "rewrite fiberlb");
    await source.git(["checkout", "--quiet", "main"]);
    await source.git(["branch", "-D", "release/2026.11"]);

    await mirror.fetch();
    expect((await mirror.listBranches()).branches).toEqual([
      { name: "feature/fiberlb-rework", sha: rewritten },
      { name: "main", sha: newMain },
    ]);
    expect(await mirror.isAncestor(mainSha, newMain)).toBe(true);
    expect(await mirror.isAncestor(featureSha, rewritten)).toBe(false);
  });

  it("commitInfo() keeps any commit text as data", async () => {
    const message =
      "Fix $(touch pwned) and `touch pwned`; rm -rf / # ünïcödé 🚀\n\nbody line 1\n\x01\x07\x1b[31mred\x1b[0m\ttab\r\n%H %s %x00\n";
    await source.git(["checkout", "--quiet", "main"]);
    const sha = await source.commit("msg.txt", "x\n", message);
    await mirror.fetch();
    const info = await mirror.commitInfo(sha);
    expect(info).toEqual({
      sha,
      parents: [mainSha],
      authorName: "Test Author",
      authorEmail: "author@example.test",
      authoredAt: expect.any(Date),
      committedAt: expect.any(Date),
      subject: "Fix $(touch pwned) and `touch pwned`; rm -rf / # ünïcödé 🚀",
      message,
    });
    expect(info.authoredAt.getTime()).toBeGreaterThan(Date.UTC(2023, 0, 1));
    expect((await mirror.commitInfo(mainSha)).message).toBe("change lanes.txt");
    await expect(mirror.commitInfo("HEAD")).rejects.toThrow(/not a full commit SHA/);
    await expect(mirror.commitInfo("0".repeat(40))).rejects.toBeInstanceOf(GitError);
  });

  it("readFile() returns the bytes at a commit, or null when the file is absent", async () => {
    expect((await mirror.readFile(featureSha, "fiberlb.toml"))?.toString()).toBe("healthy = false\n");
    expect(await mirror.readFile(mainSha, "fiberlb.toml")).toBeNull();
    expect(await mirror.readFile(mainSha, "no/such/dir/file")).toBeNull();
    await expect(mirror.readFile("f".repeat(40), "README.md")).rejects.toBeInstanceOf(GitError);
    for (const bad of ["-x", ":README.md", "/etc/passwd", "../x", "a//b", ""]) {
      await expect(mirror.readFile(mainSha, bad)).rejects.toThrow(/not a plain relative path/);
    }
  });

  it("readFiles() reads one file at many commits in one process, as readFile would one by one", async () => {
    // Bytes that would confuse a line-based reader: newlines, a header-like line, NUL, invalid UTF-8.
    const tricky = Buffer.concat([
      Buffer.from("a\n\n0123456789012345678901234567890123456789 blob 3\n"),
      Buffer.from([0, 0xff, 0x0a]),
    ]);
    await source.git(["checkout", "--quiet", "feature/fiberlb-rework"]);
    const trickySha = await source.commit("fiberlb.toml", tricky);
    await source.git(["checkout", "--quiet", "main"]);
    await mirror.fetch();
    const files = await mirror.readFiles([featureSha, mainSha, trickySha, featureSha], "fiberlb.toml");
    expect([...files.keys()]).toEqual([featureSha, mainSha, trickySha]);
    expect(files.get(featureSha)?.toString()).toBe("healthy = false\n");
    expect(files.get(mainSha)).toBeNull();
    expect(files.get(trickySha)?.equals(tricky)).toBe(true);
    for (const sha of files.keys()) expect(files.get(sha)).toEqual(await mirror.readFile(sha, "fiberlb.toml"));
    // A folder is not a file; a commit the mirror lacks is an error, not "no file".
    await mkdir(join(source.path, "nix"), { recursive: true });
    const withDir = await source.commit("nix/x.nix", "{}\n");
    await mirror.fetch();
    expect((await mirror.readFiles([withDir], "nix")).get(withDir)).toBeNull();
    await expect(mirror.readFiles([mainSha, "f".repeat(40)], "fiberlb.toml")).rejects.toThrow(/not in the mirror/);
    await expect(mirror.readFiles(["HEAD"], "fiberlb.toml")).rejects.toThrow(/not a full commit SHA/);
    await expect(mirror.readFiles([mainSha], "../x")).rejects.toThrow(/not a plain relative path/);
    expect((await mirror.readFiles([], "fiberlb.toml")).size).toBe(0);
  });

  it("missingCommits() names the commits it lacks, in the order asked; all of them with no mirror yet", async () => {
    const later = await source.commit("later.txt", "not fetched yet\n");
    const tree = (await source.git(["rev-parse", "HEAD^{tree}"])).trim();
    expect(await mirror.missingCommits([later, mainSha, tree, featureSha])).toEqual([later, tree]);
    expect(await mirror.missingCommits([])).toEqual([]);
    const none = new Mirror({ url: source.path, path: join(tmp.dir, "mirrors", "none.git") });
    expect(await none.missingCommits([mainSha])).toEqual([mainSha]);
    await expect(mirror.missingCommits(["main"])).rejects.toThrow(/not a full commit SHA/);
  });

  it("adds and removes a detached worktree, tolerating one already gone", async () => {
    const dir = join(tmp.dir, "work", "run-1");
    await mirror.addWorktree(featureSha, dir);
    expect(await readFile(join(dir, "fiberlb.toml"), "utf8")).toBe("healthy = false\n");
    // The worktree is detached, so fetching into the branch it came from still works.
    await mirror.fetch();
    await mirror.removeWorktree(dir);
    expect(existsSync(dir)).toBe(false);
    await mirror.removeWorktree(dir);
    await mirror.addWorktree(mainSha, dir);
    expect(existsSync(join(dir, "fiberlb.toml"))).toBe(false);
    await expect(mirror.addWorktree(mainSha, "relative/dir")).rejects.toThrow(/absolute/);
    await expect(mirror.addWorktree("main", join(tmp.dir, "x"))).rejects.toThrow(/not a full commit SHA/);
  });

  it("serializes concurrent worktree and fetch calls on one mirror", async () => {
    const dirs = Array.from({ length: 8 }, (_, i) => join(tmp.dir, "work", `run-${i}`));
    const twin = new Mirror({ url: source.path, path: mirror.path });
    await Promise.all([
      ...dirs.map((dir, i) => (i % 2 ? twin : mirror).addWorktree(i % 2 ? mainSha : featureSha, dir)),
      mirror.fetch(),
      twin.fetch(),
    ]);
    for (const dir of dirs) expect(existsSync(join(dir, "README.md"))).toBe(true);
    await Promise.all(dirs.map((dir, i) => (i % 2 ? twin : mirror).removeWorktree(dir)));
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });

  it("rejects a hostile URL before running git", () => {
    expect(() => new Mirror({ url: "--upload-pack=touch pwned", path: join(tmp.dir, "m") })).toThrow(/starts with "-"/);
    expect(() => new Mirror({ url: "ext::sh -c touch% pwned", path: join(tmp.dir, "m") })).toThrow(/"ext::"/);
  });
});
