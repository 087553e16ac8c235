import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { GitError, runGit, subcommandOf } from "./run";
import { makeTmp, SourceRepo } from "./testing";

describe("runGit", () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    tmp = await makeTmp("run");
  });
  afterEach(() => tmp.cleanup());

  it("returns stdout as text or bytes and feeds input on stdin", async () => {
    expect(await runGit(["--version"])).toMatch(/^git version \d/);
    const sha = await runGit(["hash-object", "--stdin"], { input: Buffer.from([0, 1, 2, 255]) });
    expect(sha.trim()).toMatch(/^[0-9a-f]{40}$/);
    const bytes = await runGit(["hash-object", "--stdin"], { input: "x", encoding: "buffer" });
    expect(Buffer.isBuffer(bytes)).toBe(true);
  });

  it("throws a readable GitError with argv, exit code and stderr", async () => {
    const err = await runGit(["fetch", "--", "/nonexistent/repository"], { cwd: tmp.dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    const gitErr = err as GitError;
    expect(gitErr.argv).toEqual(["git", "fetch", "--", "/nonexistent/repository"]);
    expect(gitErr.exitCode).toBe(128);
    expect(gitErr.stderr).toMatch(/^fatal: /);
    expect(gitErr.message).toMatch(/^git fetch failed: fatal: /);
  });

  it("reports a timeout as such and kills git", async () => {
    // The credential cache daemon serves its socket until killed: a git command that never ends.
    const sockets = join(tmp.dir, "sockets");
    await mkdir(sockets, { mode: 0o700 });
    const started = Date.now();
    const err = await runGit(["credential-cache--daemon", join(sockets, "sock")], { timeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).toBe("git credential-cache--daemon timed out after 300 ms");
    expect((err as GitError).exitCode).toBeNull();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("ignores an inherited GIT_DIR", async () => {
    const repo = await SourceRepo.create(tmp.dir);
    const previous = process.env.GIT_DIR;
    process.env.GIT_DIR = "/nonexistent/leaked/.git";
    try {
      const top = (await runGit(["rev-parse", "--show-toplevel"], { cwd: repo.path })).trim();
      expect(top).toBe(await realpath(repo.path));
    } finally {
      if (previous === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = previous;
    }
  });

  it("names the subcommand after global options", () => {
    expect(subcommandOf(["-c", "a=b", "-C", "/x", "--git-dir=/y", "fetch", "origin"])).toBe("fetch");
    expect(subcommandOf([])).toBe("");
  });
});
