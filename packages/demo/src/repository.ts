import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkRefName, runGit } from "@proofboard/git";
import { allComponentFiles, BRANCH_COMMITS, DEMO_BRANCHES, type DemoCommit } from "./content";

const TEMPLATE_DIR = fileURLToPath(new URL("../template/", import.meta.url));
const BRANCH_NAMES = Object.values(DEMO_BRANCHES).map((b) => b.name);
const MARKER_KEY = "proofboard.demo";
const FIRST_COMMIT_MESSAGE = "demo: UltraCloud components, lane scripts and the Proofboard catalog\n";
/** Fixed history dates make the demo's SHAs the same on every machine and every run. */
const HISTORY_START = Date.UTC(2026, 9, 1, 9, 0, 0);
const HOUR = 3600 * 1000;

/** The machine's git configuration (hooks, signing, templates) must not shape the demo. */
const BASE_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "UltraCloud Demo",
  GIT_AUTHOR_EMAIL: "demo@ultracloud.invalid",
  GIT_COMMITTER_NAME: "UltraCloud Demo",
  GIT_COMMITTER_EMAIL: "demo@ultracloud.invalid",
};

interface FileEntry {
  content: string;
  executable: boolean;
}

/** Git bound to one demo repository; naming it explicitly stops git from finding an enclosing one. */
class DemoGit {
  constructor(readonly dir: string) {}

  run(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    return runGit([`--git-dir=${join(this.dir, ".git")}`, `--work-tree=${this.dir}`, ...args], {
      cwd: this.dir,
      input: opts.input,
      env: { ...BASE_ENV, ...opts.env },
    });
  }

  async line(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    return (await this.run(args, opts)).trim();
  }

  /** Writes a commit on top of `parent` without touching any working tree or the shared index. */
  async commit(parent: string | null, files: Record<string, FileEntry>, message: string, date: Date): Promise<string> {
    const index = join(this.dir, ".git", `proofboard-index-${randomBytes(4).toString("hex")}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await this.run(parent ? ["read-tree", parent] : ["read-tree", "--empty"], { env });
      const entries: string[] = [];
      for (const [path, file] of Object.entries(files)) {
        const blob = await this.line(["hash-object", "-w", "--stdin"], { input: file.content });
        entries.push(`${file.executable ? "100755" : "100644"} ${blob}\t${path}`);
      }
      if (entries.length > 0)
        await this.run(["update-index", "--add", "--index-info"], { env, input: `${entries.join("\n")}\n` });
      const tree = await this.line(["write-tree"], { env });
      const stamp = `@${Math.floor(date.getTime() / 1000)} +0000`;
      return await this.line(["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-F", "-"], {
        input: message,
        env: { GIT_AUTHOR_DATE: stamp, GIT_COMMITTER_DATE: stamp },
      });
    } finally {
      await rm(index, { force: true });
    }
  }

  /** A commit of `change` on `parent` that also records its subject in CHANGELOG.md. */
  async commitChange(parent: string, change: DemoCommit, date: Date): Promise<string> {
    const changelog = await this.run(["cat-file", "blob", `${parent}:CHANGELOG.md`]);
    const subject = change.message.split("\n", 1)[0]?.trim() ?? "";
    const files: Record<string, FileEntry> = {
      "CHANGELOG.md": { content: `${changelog}- ${subject}\n`, executable: false },
    };
    for (const [path, content] of Object.entries(change.files)) files[path] = { content, executable: false };
    return this.commit(parent, files, change.message, date);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Whether `dir` is a demo repository this package created (and finished creating). */
export async function isDemoRepository(dir: string): Promise<boolean> {
  const gitDir = join(resolve(dir), ".git");
  if (!(await exists(join(gitDir, "HEAD")))) return false;
  try {
    const marker = await runGit([`--git-dir=${gitDir}`, "config", "--get", MARKER_KEY], { env: BASE_ENV });
    return marker.trim() === "true";
  } catch {
    return false;
  }
}

async function templateFiles(): Promise<Record<string, FileEntry>> {
  const files: Record<string, FileEntry> = {};
  const paths = (await readdir(TEMPLATE_DIR, { recursive: true })).sort();
  for (const path of paths) {
    if (!(await stat(join(TEMPLATE_DIR, path))).isFile()) continue;
    // Decided by name, not by the checkout's file modes, so every machine builds the same tree.
    files[path] = {
      content: await readFile(join(TEMPLATE_DIR, path), "utf8"),
      executable: /^lanes\/.*\.sh$/.test(path),
    };
  }
  for (const [path, content] of Object.entries(allComponentFiles())) files[path] = { content, executable: false };
  return files;
}

/**
 * Creates the demo target repository at `dir` (non-bare, `main` checked out), or returns the one
 * already there. It is built beside `dir` and renamed into place, so a half-built one never takes
 * the name.
 */
export async function createDemoRepository(dir: string): Promise<{ path: string; branches: string[] }> {
  const path = resolve(dir);
  const result = { path, branches: [...BRANCH_NAMES] };
  if (await isDemoRepository(path)) return result;
  if ((await exists(path)) && (await readdir(path)).length > 0) {
    throw new Error(`${path} exists and is not the Proofboard demo repository; refusing to overwrite it`);
  }
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.demo-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await runGit(["init", "--quiet", "--initial-branch=main", "--", tmp], { env: BASE_ENV });
    const git = new DemoGit(tmp);
    let tick = 0;
    const nextDate = () => new Date(HISTORY_START + HOUR * tick++);

    let mainHead = await git.commit(null, await templateFiles(), FIRST_COMMIT_MESSAGE, nextDate());
    for (const change of BRANCH_COMMITS[DEMO_BRANCHES.main.name] ?? []) {
      mainHead = await git.commitChange(mainHead, change, nextDate());
    }
    for (const name of BRANCH_NAMES) {
      let head = mainHead;
      if (name !== DEMO_BRANCHES.main.name) {
        for (const change of BRANCH_COMMITS[name] ?? []) head = await git.commitChange(head, change, nextDate());
      }
      await git.run(["update-ref", `refs/heads/${name}`, head]);
    }
    await git.run(["reset", "--hard", "--quiet"]);
    await git.run(["config", MARKER_KEY, "true"]);
    try {
      await rename(tmp, path);
    } catch (err) {
      // Another process finished creating it first; theirs is identical to ours.
      if (!(await isDemoRepository(path))) throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return result;
}

/**
 * Adds one commit on `branch` (a CHANGELOG.md line with the message's subject) and returns its SHA.
 * Other branches and worktrees are not disturbed; if `branch` is the one checked out in `dir`, its
 * working tree follows.
 */
export async function advanceBranch(
  dir: string,
  branch: string,
  message: string,
  opts: { date?: Date } = {},
): Promise<string> {
  const path = resolve(dir);
  if (!(await isDemoRepository(path))) throw new Error(`${path} is not the Proofboard demo repository`);
  const check = checkRefName(branch);
  if (!check.ok) throw new Error(`invalid branch name ${JSON.stringify(branch)}: ${check.reason}`);
  const git = new DemoGit(path);
  const ref = `refs/heads/${branch}`;
  const old = await git.line(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).catch(() => "");
  if (!old) throw new Error(`the demo repository has no branch ${JSON.stringify(branch)}`);

  const sha = await git.commitChange(
    old,
    { message: message.endsWith("\n") ? message : `${message}\n`, files: {} },
    opts.date ?? new Date(),
  );
  const checkedOut = await git.line(["symbolic-ref", "--quiet", "HEAD"]).catch(() => "");
  if (checkedOut === ref) await git.run(["reset", "--keep", "--quiet", sha]);
  // Compare-and-swap: a concurrent change to the branch fails loudly instead of being overwritten.
  else await git.run(["update-ref", ref, sha, old]);
  return sha;
}
