/** Helpers for tests that need a real source repository; not exported from the package. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGit } from "./run";

/** Independent of the machine's git configuration, so tests behave the same everywhere. */
export const TEST_GIT_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.test",
  GIT_COMMITTER_NAME: "Test Committer",
  GIT_COMMITTER_EMAIL: "committer@example.test",
};

export async function makeTmp(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `proofboard-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export class SourceRepo {
  private tick = 0;
  constructor(readonly path: string) {}

  static async create(path: string): Promise<SourceRepo> {
    await runGit(["init", "--quiet", "--initial-branch=main", "--", path], { env: TEST_GIT_ENV });
    return new SourceRepo(path);
  }

  git(args: string[], input?: string): Promise<string> {
    // Distinct dates make every commit distinct even with identical trees.
    this.tick++;
    const date = `${1_700_000_000 + this.tick * 60} +0000`;
    return runGit(args, {
      cwd: this.path,
      input,
      env: { ...TEST_GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
  }

  /** Writes `file`, commits it on the checked-out branch and returns the new head. */
  async commit(file: string, content: string | Buffer, message = `change ${file}`): Promise<string> {
    await writeFile(join(this.path, file), content);
    await this.git(["add", "--", file]);
    await this.git(["commit", "--quiet", "--cleanup=verbatim", "--file=-"], message);
    return this.head();
  }

  async head(ref = "HEAD"): Promise<string> {
    return (await this.git(["rev-parse", "--verify", "--end-of-options", ref])).trim();
  }
}
