import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** A real git repository in a temp folder, with the given files committed on `main`. */
export function makeRepo(files: Record<string, string>): Repo {
  const repo = workTree("pb-target-", (git) => git("init", "-q", "-b", "main"));
  repo.commit(files, "initial");
  return repo;
}

/** A clone of `origin` in a temp folder: commits made in it reach `origin` only when `origin` fetches them. */
export function cloneOf(origin: string): Repo {
  return workTree("pb-clone-", (git) => git("clone", "-q", origin, "."));
}

export interface Repo {
  dir: string;
  git: (...args: string[]) => string;
  /** Writes the files (an empty set makes an empty commit), commits them all, and returns the new sha. */
  commit: (files: Record<string, string>, message: string) => string;
}

function workTree(prefix: string, create: (git: Repo["git"]) => void): Repo {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
  create(git);
  const commit = (f: Record<string, string>, message: string) => {
    for (const [name, content] of Object.entries(f)) {
      const p = path.join(dir, name);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
      if (name.endsWith(".sh")) chmodSync(p, 0o755);
    }
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "-m", message);
    return git("rev-parse", "HEAD");
  };
  return { dir, git, commit };
}

/** A catalog with the given lanes (each: name, argv, optional timeout) and one release gate of all of them. */
export function catalogYaml(
  lanes: {
    name: string;
    command: string[];
    timeoutSeconds?: number;
    needs?: string[];
    consoles?: string[];
    title?: string;
  }[],
  gateLanes = lanes.map((l) => l.name),
): string {
  const laneYaml = lanes
    .map(
      (l) => `  - name: ${l.name}${l.title ? `\n    title: ${JSON.stringify(l.title)}` : ""}
    description: test lane ${l.name}
    command: ${JSON.stringify(l.command)}
    group: regression-guard
    host: tcg
    timeoutSeconds: ${l.timeoutSeconds ?? 60}${l.needs ? `\n    needs: ${JSON.stringify(l.needs)}` : ""}${l.consoles ? `\n    consoles: ${JSON.stringify(l.consoles)}` : ""}`,
    )
    .join("\n");
  return `version: 1
name: integration
profiles: []
lanes:
${laneYaml}
gates:
  - id: release
    name: Release
    description: all test lanes
    release: true
    lanes: ${JSON.stringify(gateLanes)}
`;
}
