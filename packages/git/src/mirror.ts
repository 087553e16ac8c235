import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { checkRefName, isSha, validateRepositoryUrl } from "./refs";
import { GitError, runGit } from "./run";

export interface BranchHead {
  name: string;
  sha: string;
}

export interface BranchListing {
  branches: BranchHead[];
  /** refs git accepted but Proofboard will not show or run (see checkRefName) */
  rejected: { name: string; reason: string }[];
}

export interface CommitInfo {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authoredAt: Date;
  committedAt: Date;
  subject: string;
  message: string;
}

const NETWORK_TIMEOUT_MS = 30 * 60 * 1000;

function assertSha(sha: string): void {
  if (!isSha(sha)) throw new Error(`not a full commit SHA: ${JSON.stringify(sha)}`);
}

/** `<sha>:<path>` is parsed by git; keep the path plainly relative to the tree's root. */
function checkTreePath(path: string): void {
  const bad =
    path.length === 0 ||
    path.startsWith("-") ||
    path.startsWith(":") ||
    path.startsWith("/") ||
    path.includes("\0") ||
    path.split("/").some((c) => c === "" || c === "." || c === "..");
  if (bad) throw new Error(`not a plain relative path inside a commit: ${JSON.stringify(path)}`);
}

/**
 * Writes to one repository, one at a time. Concurrent `git worktree add` calls read each other's
 * half-written admin folders and fail, and concurrent fetches race for ref locks. Keyed by path so
 * two Mirror objects for one folder share the queue; a single process (one worker per host) owns a
 * mirror folder.
 */
const writeQueues = new Map<string, Promise<void>>();

function serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
  const result = (writeQueues.get(key) ?? Promise.resolve()).then(task);
  const done = result.then(
    () => undefined,
    () => undefined,
  );
  writeQueues.set(key, done);
  void done.then(() => {
    if (writeQueues.get(key) === done) writeQueues.delete(key);
  });
  return result;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * A bare mirror of a target repository in a local folder. Every command names the mirror with
 * `--git-dir` so that git never discovers a repository above it (e.g. the project's own checkout)
 * if the folder were missing.
 */
export class Mirror {
  readonly url: string;
  readonly path: string;

  constructor(opts: { url: string; path: string }) {
    const check = validateRepositoryUrl(opts.url);
    if (!check.ok) throw new Error(check.reason);
    this.url = opts.url;
    this.path = resolve(opts.path);
  }

  private git(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
    return runGit([`--git-dir=${this.path}`, ...args], opts);
  }

  /** Whether the folder holds a bare mirror (possibly an empty one, when the target could not be cloned whole). */
  async isMirror(): Promise<boolean> {
    if (!(await exists(join(this.path, "HEAD")))) return false;
    try {
      return (await this.git(["rev-parse", "--is-bare-repository"])).trim() === "true";
    } catch {
      return false;
    }
  }

  /** Clones the mirror if the folder is not one yet; a half-done clone never takes the folder's name. */
  ensure(): Promise<void> {
    return serialized(this.path, () => this.ensureNow());
  }

  private async ensureNow(): Promise<void> {
    if (await this.isMirror()) {
      // The operator may have moved the repository (https -> ssh); follow the configured URL.
      const current = await this.git(["config", "--get", "remote.origin.url"]).catch(() => "");
      if (current.trim() !== this.url) await this.git(["config", "remote.origin.url", this.url]);
      return;
    }
    if ((await exists(this.path)) && (await readdir(this.path)).length > 0) {
      throw new Error(`${this.path} exists and is not a git mirror; refusing to overwrite it`);
    }
    const parent = dirname(this.path);
    await mkdir(parent, { recursive: true });
    const tmp = join(parent, `.${basename(this.path)}.clone-${process.pid}-${randomBytes(4).toString("hex")}`);
    let cloneError: Error | null = null;
    try {
      // --no-local: a target on this machine is fetched like a remote one, with git's object checks.
      // Its local shortcut copies refs as they are, so a ref whose objects never arrived (a push half
      // done) would land in the mirror and fail every later fetch with "bad object".
      cloneError = await runGit(["clone", "--mirror", "--no-local", "--quiet", "--", this.url, tmp], {
        timeoutMs: NETWORK_TIMEOUT_MS,
      }).then(
        () => null,
        async (err: Error) => {
          // A target that answers but cannot be cloned whole (one broken ref fails it) still gets an
          // empty mirror, so the commits runs need can be fetched by id; the clone's error still goes
          // to the caller. One that does not answer at all (a wrong URL) leaves nothing behind.
          await runGit(["ls-remote", "--heads", "--", this.url], { timeoutMs: NETWORK_TIMEOUT_MS }).catch(() => {
            throw err;
          });
          await rm(tmp, { recursive: true, force: true });
          await runGit(["init", "--bare", "--quiet", "--", tmp]);
          const git = (args: string[]) => runGit([`--git-dir=${tmp}`, ...args]);
          await git(["remote", "add", "--mirror=fetch", "origin", this.url]);
          return err;
        },
      );
      try {
        await rename(tmp, this.path);
      } catch (err) {
        // Another process finished its clone first: theirs is as good as ours.
        if (!(await this.isMirror())) throw err;
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    if (cloneError) throw cloneError;
  }

  /**
   * Refreshes every branch: new commits, force-pushes and deleted branches. A mirror holding a ref
   * to an object it lacks (copied by an older clone, or a disk that lost a file) fails every fetch
   * with "bad object": such refs are dropped and the fetch is made once more, so the mirror heals.
   */
  async fetch(): Promise<void> {
    const args = ["fetch", "--prune", "--quiet", "origin", "+refs/heads/*:refs/heads/*"];
    await serialized(this.path, async () => {
      try {
        await this.git(args, { timeoutMs: NETWORK_TIMEOUT_MS });
      } catch (err) {
        if ((await this.dropBrokenRefs()) === 0) throw err;
        await this.git(args, { timeoutMs: NETWORK_TIMEOUT_MS });
      }
    });
  }

  /** Deletes refs whose object the mirror does not have; returns how many. */
  private async dropBrokenRefs(): Promise<number> {
    const refs = (await this.git(["for-each-ref", "--format=%(objectname) %(refname)"])).split("\n").filter(Boolean);
    if (!refs.length) return 0;
    const check = await runGit([`--git-dir=${this.path}`, "cat-file", "--batch-check=%(objecttype)"], {
      input: refs.map((r) => `${r.split(" ")[0]}\n`).join(""),
    });
    const types = check.split("\n");
    const broken = refs.filter((_, i) => types[i]?.endsWith("missing")).map((r) => r.slice(r.indexOf(" ") + 1));
    for (const ref of broken) await this.git(["update-ref", "-d", ref]);
    return broken.length;
  }

  /** Those of `shas` the mirror does not hold as commits (all of them while the folder is no mirror yet). */
  async missingCommits(shas: readonly string[]): Promise<string[]> {
    for (const sha of shas) assertSha(sha);
    if (shas.length === 0) return [];
    if (!(await exists(join(this.path, "HEAD")))) return [...shas];
    const out = await runGit([`--git-dir=${this.path}`, "cat-file", "--batch-check=%(objecttype)"], {
      input: shas.map((sha) => `${sha}^{commit}\n`).join(""),
    });
    const types = out.split("\n");
    return shas.filter((_, j) => types[j] !== "commit");
  }

  /** Whether the mirror already holds this commit. */
  async hasCommit(sha: string): Promise<boolean> {
    assertSha(sha);
    return this.git(["cat-file", "-e", `${sha}^{commit}`]).then(
      () => true,
      () => false,
    );
  }

  /**
   * Fetches one commit by its id, not every branch: a broken ref elsewhere in the target (which
   * fails a whole `fetch`) does not stop it. Servers answer this for commits a branch reaches.
   */
  async fetchCommit(sha: string): Promise<void> {
    assertSha(sha);
    await serialized(this.path, () =>
      this.git(["fetch", "--quiet", "--no-tags", "origin", sha], { timeoutMs: NETWORK_TIMEOUT_MS }),
    );
  }

  async listBranches(): Promise<BranchListing> {
    const out = await runGit(
      [`--git-dir=${this.path}`, "for-each-ref", "--format=%(objectname)%00%(refname)", "refs/heads/"],
      { encoding: "buffer" },
    );
    const listing: BranchListing = { branches: [], rejected: [] };
    // Ref names cannot contain a newline (git refuses control characters), so lines are records.
    for (const line of splitBuffer(out, 0x0a)) {
      if (line.length === 0) continue;
      const nul = line.indexOf(0);
      if (nul < 0) continue;
      const sha = line.subarray(0, nul).toString("latin1");
      const raw = line.subarray(nul + 1 + "refs/heads/".length);
      const name = raw.toString("utf8");
      // Git allows any bytes >= 0x80; a name that is not UTF-8 cannot be shown or passed back exactly.
      if (!Buffer.from(name, "utf8").equals(raw)) {
        listing.rejected.push({ name, reason: "is not valid UTF-8" });
        continue;
      }
      const check = checkRefName(name);
      if (!check.ok) listing.rejected.push({ name, reason: check.reason });
      else if (!isSha(sha)) listing.rejected.push({ name, reason: `points to an unexpected object id ${sha}` });
      else listing.branches.push({ name, sha });
    }
    return listing;
  }

  async commitInfo(sha: string): Promise<CommitInfo> {
    assertSha(sha);
    // NUL cannot occur in commit headers, and the message is last, so any text in it stays in it.
    const format = "format:%H%x00%P%x00%an%x00%ae%x00%at%x00%ct%x00%s%x00%B";
    const out = await this.git([
      "show",
      "-s",
      "--no-color",
      "--no-show-signature",
      `--format=${format}`,
      `${sha}^{commit}`,
      "--",
    ]);
    const [hash = "", parents = "", authorName = "", authorEmail = "", at = "", ct = "", subject = "", ...rest] =
      out.split("\0");
    return {
      sha: hash,
      parents: parents.split(" ").filter((p) => p.length > 0),
      authorName,
      authorEmail,
      authoredAt: new Date(Number(at) * 1000),
      committedAt: new Date(Number(ct) * 1000),
      subject,
      message: rest.join("\0"),
    };
  }

  /** The file's bytes at `sha`, or null when the commit has no such file. */
  async readFile(sha: string, path: string): Promise<Buffer | null> {
    assertSha(sha);
    checkTreePath(path);
    try {
      return await runGit([`--git-dir=${this.path}`, "cat-file", "blob", `${sha}:${path}`], { encoding: "buffer" });
    } catch (err) {
      if (!(err instanceof GitError) || err.exitCode !== 128) throw err;
      // A missing commit is an error of the caller; only a missing path means "no such file".
      try {
        await this.git(["cat-file", "-e", `${sha}^{commit}`]);
      } catch {
        throw err;
      }
      return null;
    }
  }

  /**
   * The file at each of many commits, read by one `git cat-file --batch` per 256 commits instead of
   * a process per commit (a cold overview reads 500 head commits' catalogs). Null where a commit has
   * no such file; a commit the mirror does not have is an error, as in readFile.
   */
  async readFiles(shas: readonly string[], path: string): Promise<Map<string, Buffer | null>> {
    for (const sha of shas) assertSha(sha);
    checkTreePath(path);
    const unique = [...new Set(shas)];
    const files = new Map<string, Buffer | null>();
    for (let i = 0; i < unique.length; i += BATCH) {
      const chunk = unique.slice(i, i + BATCH);
      const out = await runGit([`--git-dir=${this.path}`, "cat-file", "--batch"], {
        encoding: "buffer",
        input: chunk.map((sha) => `${sha}:${path}\n`).join(""),
      });
      parseCatFileBatch(out, chunk.length).forEach((blob, j) => files.set(chunk[j]!, blob));
    }
    // "missing" says nothing of why: the path is not in the commit, or the commit is not here.
    const unknown = await this.missingCommits([...files].filter(([, blob]) => blob === null).map(([sha]) => sha));
    if (unknown.length > 0) throw new Error(`commits not in the mirror ${this.path}: ${unknown.join(", ")}`);
    return files;
  }

  /** Checks out `sha` (detached) into the absolute folder `dir`. */
  async addWorktree(sha: string, dir: string): Promise<void> {
    assertSha(sha);
    if (!isAbsolute(dir)) throw new Error(`worktree folder must be an absolute path: ${JSON.stringify(dir)}`);
    await serialized(this.path, () => this.git(["worktree", "add", "--detach", "--force", "--quiet", "--", dir, sha]));
  }

  /** Removes a worktree; a folder already gone (or never added) is not an error. */
  async removeWorktree(dir: string): Promise<void> {
    if (!isAbsolute(dir)) throw new Error(`worktree folder must be an absolute path: ${JSON.stringify(dir)}`);
    await serialized(this.path, () => this.removeWorktreeNow(dir));
  }

  private async removeWorktreeNow(dir: string): Promise<void> {
    try {
      await this.git(["worktree", "remove", "--force", "--", dir]);
    } catch (err) {
      if (await this.hasWorktree(dir)) throw err;
    }
    await this.git(["worktree", "prune"]);
  }

  private async hasWorktree(dir: string): Promise<boolean> {
    const out = await this.git(["worktree", "list", "--porcelain", "-z"]);
    return out.split("\0").includes(`worktree ${resolve(dir)}`);
  }

  /** Whether commit `a` is `b` or one of its ancestors. */
  async isAncestor(a: string, b: string): Promise<boolean> {
    assertSha(a);
    assertSha(b);
    try {
      await this.git(["merge-base", "--is-ancestor", a, b]);
      return true;
    } catch (err) {
      if (err instanceof GitError && err.exitCode === 1) return false;
      throw err;
    }
  }
}

/** Objects per `git cat-file --batch` process: bounded input and output, few processes. */
const BATCH = 256;

/**
 * `git cat-file --batch` output for `count` requests, in order: `<oid> <type> <size>\n<bytes>\n` per
 * object, `<request> missing\n` (or ambiguous) otherwise. A path naming something other than a file
 * (a folder, a submodule) counts as no file, as `cat-file blob` refusing it does in readFile.
 */
export function parseCatFileBatch(out: Buffer, count: number): (Buffer | null)[] {
  const blobs: (Buffer | null)[] = [];
  let at = 0;
  while (blobs.length < count) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) throw new Error(`git cat-file --batch ended after ${blobs.length} of ${count} objects`);
    const header = out.subarray(at, eol).toString("latin1");
    at = eol + 1;
    const object = /^[0-9a-f]{40,64} (\w+) (\d+)$/.exec(header);
    if (!object) {
      if (!/ (missing|ambiguous)$/.test(header)) throw new Error(`git cat-file --batch said ${JSON.stringify(header)}`);
      blobs.push(null);
      continue;
    }
    const size = Number(object[2]);
    if (at + size + 1 > out.length) throw new Error(`git cat-file --batch cut short inside an object of ${size} bytes`);
    blobs.push(object[1] === "blob" ? out.subarray(at, at + size) : null);
    at += size + 1;
  }
  return blobs;
}

function splitBuffer(buf: Buffer, sep: number): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(sep); i !== -1; i = buf.indexOf(sep, start)) {
    parts.push(buf.subarray(start, i));
    start = i + 1;
  }
  parts.push(buf.subarray(start));
  return parts;
}
