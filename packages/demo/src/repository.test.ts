import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Mirror, runGit } from "@proofboard/git";
import { ensureGuestAssets } from "@proofboard/vm";
import { COMPONENTS, componentToml, DEMO_BRANCHES, DEMO_LANES } from "./content";
import { advanceBranch, createDemoRepository, isDemoRepository } from "./repository";

const BRANCHES = Object.values(DEMO_BRANCHES);

function git(repo: string, args: string[]): Promise<string> {
  return runGit([`--git-dir=${join(repo, ".git")}`, ...args]).then((out) => out.trim());
}

async function heads(repo: string): Promise<Record<string, string>> {
  const out = await git(repo, ["for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/heads/"]);
  return Object.fromEntries(out.split("\n").map((line) => line.split(" ") as [string, string]));
}

interface LaneResult {
  code: number;
  output: string;
  seconds: number;
}

/** The suite wrapper needs nested KVM, which these machines lack: it only ever stops at its preflight here. */
const RUNNABLE_HERE = DEMO_LANES.filter((l) => l !== "publishable-kvm-suite");

/** What the worker exports to lanes that boot a guest of their own. */
let guestEnv: Record<string, string> = {};

/** Runs a lane the way the worker will: its catalog argv, from the root of a checkout. */
function runLane(cwd: string, lane: string): Promise<LaneResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      "bash",
      [`lanes/${lane}.sh`],
      { cwd, timeout: 120_000, env: { ...process.env, ...guestEnv } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, output: stdout + stderr, seconds: (Date.now() - started) / 1000 });
      },
    );
  });
}

describe("demo repository", { timeout: 180_000 }, () => {
  let root: string;
  let repo: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "proofboard-demo-"));
    // Lanes that boot a guest themselves need the demo guest, as the worker provides it.
    const assets = await ensureGuestAssets(fileURLToPath(new URL("../../../.proofboard/guest", import.meta.url)));
    guestEnv = {
      PROOFBOARD_GUEST_KERNEL: assets.kernel,
      PROOFBOARD_GUEST_INITRD: assets.initrd,
      PROOFBOARD_VM_ACCEL: "tcg",
    };
    repo = (await createDemoRepository(join(root, "targets", "ultracloud-demo"))).path;
    // The guest may be built meanwhile by another file (vm.test.ts), which this waits for.
  }, 300_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("has the three branches, reproducibly and idempotently", async () => {
    const first = await heads(repo);
    expect(Object.keys(first).sort()).toEqual(BRANCHES.map((b) => b.name).sort());
    expect(await git(repo, ["symbolic-ref", "HEAD"])).toBe("refs/heads/main");
    expect(await git(repo, ["--work-tree", repo, "status", "--porcelain"])).toBe("");
    expect(await readdir(join(root, "targets"))).toEqual(["ultracloud-demo"]);

    const again = await createDemoRepository(repo);
    expect(again).toEqual({ path: repo, branches: BRANCHES.map((b) => b.name) });
    expect(await heads(repo)).toEqual(first);

    // Fixed dates and identities: a second machine gets the very same SHAs.
    const twin = await createDemoRepository(join(root, "twin"));
    expect(await heads(twin.path)).toEqual(first);
  });

  it("refuses to overwrite a folder that is not the demo", async () => {
    const occupied = join(root, "occupied");
    await mkdir(occupied);
    await writeFile(join(occupied, "keep.txt"), "mine");
    await expect(createDemoRepository(occupied)).rejects.toThrow(/not the Proofboard demo repository/);
    expect(await isDemoRepository(occupied)).toBe(false);
    expect(await readFile(join(occupied, "keep.txt"), "utf8")).toBe("mine");
  });

  it("commits a catalog naming every lane, each backed by an executable script", async () => {
    const catalog = await git(repo, ["cat-file", "blob", "main:proofboard.yaml"]);
    expect(catalog).toMatch(/^version: 1$/m);
    expect(catalog).toContain("name: UltraCloud (demo)");
    for (const lane of DEMO_LANES) {
      expect(catalog).toContain(`- name: ${lane}\n`);
      expect(catalog).toContain(`command: [bash, lanes/${lane}.sh]`);
      expect(await git(repo, ["ls-tree", "main", "--", `lanes/${lane}.sh`])).toMatch(/^100755 blob /);
    }
    // fresh-bench-storage needs nested KVM even in the demo: it shows a lane waiting for a host.
    expect(catalog.match(/^ {4}host: tcg$/gm)).toHaveLength(DEMO_LANES.length - 1);
    expect(catalog.match(/^ {4}host: nested-kvm$/gm)).toHaveLength(1);
    expect(catalog).toContain("lanes: [baremetal-iso, baremetal-iso-e2e]\n    release: true");
    expect(catalog).toContain("lanes: [fresh-smoke, fresh-demo-vm-webapp, fresh-matrix]\n    release: true");
    expect(catalog).toContain(
      "lanes: [canonical-profile-eval-guards, canonical-profile-build-guards]\n    release: false",
    );
  });

  it("runs every lane on every branch, failing exactly where DEMO_BRANCHES says", async () => {
    const mirror = new Mirror({ url: repo, path: join(root, "mirror.git") });
    await mirror.ensure();
    const { branches } = await mirror.listBranches();
    const runs = await Promise.all(
      BRANCHES.map(async (branch) => {
        const head = branches.find((b) => b.name === branch.name);
        if (!head) throw new Error(`mirror lacks ${branch.name}`);
        const dir = join(root, "work", branch.name.replaceAll("/", "-"));
        await mirror.addWorktree(head.sha, dir);
        const results = await Promise.all(RUNNABLE_HERE.map(async (lane) => [lane, await runLane(dir, lane)] as const));
        await mirror.removeWorktree(dir);
        return { branch, results: new Map(results) };
      }),
    );
    for (const { branch, results } of runs) {
      const failing = [...results].filter(([, r]) => r.code !== 0).map(([lane]) => lane);
      expect(failing, branch.name).toEqual(branch.failingLanes);
      for (const [lane, result] of results) {
        // A failing lane stops at its first unhealthy component, so only passes take the full time.
        expect(result.seconds, `${branch.name} ${lane}`).toBeGreaterThanOrEqual(result.code === 0 ? 2 : 1);
        expect(result.seconds).toBeLessThan(120);
        const verdict = result.code === 0 ? `PASS: ${lane}` : "FAIL: ";
        expect(result.output).toContain(`[${lane}] `);
        expect(result.output).toContain(verdict);
      }
    }
    const matrix = runs.find((r) => r.branch === DEMO_BRANCHES.fiberlbRework)?.results.get("fresh-matrix");
    expect(matrix?.code).toBe(1);
    expect(matrix?.output).toMatch(/FAIL: node03: fiberlb unhealthy: listener reconcile drops backends/);
  });

  it("each lane fails when a component it covers is unhealthy, and only then", async () => {
    const catalog = await git(repo, ["cat-file", "blob", "main:proofboard.yaml"]);
    const mirror = new Mirror({ url: repo, path: join(root, "mirror.git") });
    await mirror.ensure();
    const main = (await heads(repo)).main ?? "";
    const outcomes = await Promise.all(
      RUNNABLE_HERE.map(async (lane) => {
        const block = catalog.slice(catalog.indexOf(`- name: ${lane}\n`)).split("\n\n")[0] ?? "";
        const covers = /^ {4}covers: \[(.*)\]$/m.exec(block)?.[1]?.split(", ").filter(Boolean) ?? [];
        const setHealth = async (dir: string, unhealthy: (c: string) => boolean) => {
          for (const c of Object.keys(COMPONENTS)) {
            const state = {
              version: "test",
              builds: true,
              healthy: !unhealthy(c),
              reason: "made unhealthy by the test",
            };
            await writeFile(join(dir, "components", `${c}.toml`), componentToml(c, state));
          }
        };
        const others = join(root, "cover", `${lane}-others`);
        const covered = join(root, "cover", `${lane}-covered`);
        await mirror.addWorktree(main, others);
        await mirror.addWorktree(main, covered);
        await setHealth(others, (c) => !covers.includes(c));
        await setHealth(covered, (c) => covers.includes(c));
        const [withOthersDown, withCoveredDown] = await Promise.all([runLane(others, lane), runLane(covered, lane)]);
        return { lane, covers, othersDown: withOthersDown.code, coveredDown: withCoveredDown.code };
      }),
    );
    for (const o of outcomes) {
      expect(o.othersDown, `${o.lane} must not depend on components outside covers`).toBe(0);
      // The guards cover no component: they judge the definitions, not the health.
      expect(o.coveredDown, `${o.lane} must check what it covers`).toBe(o.covers.length > 0 ? 1 : 0);
    }
    expect(outcomes.filter((o) => o.covers.length === 0).map((o) => o.lane)).toEqual([
      "canonical-profile-eval-guards",
      "canonical-profile-build-guards",
    ]);
  });

  it("the nested-KVM suite wrapper stops at its preflight on a host without nested virtualization", async () => {
    const mirror = new Mirror({ url: repo, path: join(root, "mirror.git") });
    await mirror.ensure();
    const dir = join(root, "work", "suite");
    await mirror.addWorktree((await heads(repo)).main ?? "", dir);
    const result = await runLane(dir, "publishable-kvm-suite");
    expect(result.code).toBe(77);
    expect(result.output).toContain("stopping by design");
  });

  it("advanceBranch adds exactly one commit and leaves the rest alone", async () => {
    const demo = (await createDemoRepository(join(root, "advance"))).path;
    const before = await heads(demo);
    const release = DEMO_BRANCHES.release.name;
    const message = "release: bump $(touch pwned) `touch pwned`; note\n\nhostile text stays data\n";
    const sha = await advanceBranch(demo, release, message, { date: new Date("2026-11-20T10:00:00Z") });

    const after = await heads(demo);
    expect(after).toEqual({ ...before, [release]: sha });
    expect(await git(demo, ["rev-list", "--count", `${before[release]}..${sha}`])).toBe("1");
    expect(await git(demo, ["rev-parse", `${sha}^`])).toBe(before[release]);
    expect(await runGit([`--git-dir=${join(demo, ".git")}`, "show", "-s", "--format=%B", sha])).toBe(`${message}\n`);
    expect(await git(demo, ["cat-file", "blob", `${sha}:CHANGELOG.md`])).toMatch(
      /- release: bump \$\(touch pwned\) `touch pwned`; note$/,
    );
    expect(await git(demo, ["diff", "--name-only", before[release] ?? "", sha])).toBe("CHANGELOG.md");
    expect(await git(demo, ["--work-tree", demo, "status", "--porcelain"])).toBe("");

    // The checked-out branch moves with its working tree.
    const mainSha = await advanceBranch(demo, "main", "docs: note");
    expect(await git(demo, ["rev-parse", "HEAD"])).toBe(mainSha);
    expect(await git(demo, ["--work-tree", demo, "status", "--porcelain"])).toBe("");
    expect(await readFile(join(demo, "CHANGELOG.md"), "utf8")).toMatch(/- docs: note\n$/);

    await expect(advanceBranch(demo, "a..b", "x")).rejects.toThrow(/invalid branch name "a..b": contains "\.\."/);
    await expect(advanceBranch(demo, "-rf", "x")).rejects.toThrow(/has no branch "-rf"/);
    await expect(advanceBranch(join(root, "nowhere"), "main", "x")).rejects.toThrow(/not the Proofboard demo/);
    for (const folder of [process.cwd(), demo, root, tmpdir()]) expect(existsSync(join(folder, "pwned"))).toBe(false);
  });
});
