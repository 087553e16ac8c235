/**
 * The demo target: `prepare` creates the local UltraCloud-like repository and registers it;
 * `seed` (once, with web and worker up) runs the gate lanes of every demo branch, then moves
 * release/2026.11 on so its passes turn stale. With PROOFBOARD_TARGET_URL naming a repository of
 * one's own, `prepare` registers and reads that one instead and `seed` leaves it alone: its lanes
 * run when someone asks, never a demo's.
 */
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createUser } from "@proofboard/auth";
import { createDemoRepository, advanceBranch, DEMO_BRANCHES } from "@proofboard/demo";
import { db, disconnectDb } from "@proofboard/db";
import { isTerminal, lanesToRun, releaseGates } from "@proofboard/domain";
import { env } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { branchByName, branchView, ensureRepository, requestRun, syncRepository } from "@proofboard/services";

/** The settings, or one line saying which is wrong (start.sh shows it and stops), not a stack trace. */
function settings(): ReturnType<typeof env> {
  try {
    return env();
  } catch (err) {
    console.error(`[demo] ${(err as Error).message}`);
    process.exit(1);
  }
}

const e = settings();
const dir = path.join(e.PROOFBOARD_DATA_DIR, "demo", "ultracloud-demo");
const ownTarget = e.PROOFBOARD_TARGET_URL !== undefined && path.resolve(e.PROOFBOARD_TARGET_URL) !== dir;
const say = (s: string) => console.log(`[demo] ${s}`);

/**
 * Changing anything needs a login: the demo makes an operator, an admin and a viewer, each with a
 * random password kept owner-only in the data folder (<name>-password), on the first start only.
 */
async function ensureDemoUsers() {
  const firstStart = (await db().user.count()) === 0;
  for (const role of ["operator", "admin", "viewer"] as const) {
    const file = path.join(e.PROOFBOARD_DATA_DIR, `${role}-password`);
    if (firstStart) {
      const password = randomBytes(12).toString("base64url");
      await createUser({ name: role, password, role });
      await writeFile(file, `${password}\n`, { mode: 0o600 });
    }
    const password = await readFile(file, "utf8").then(
      (p) => p.trim(),
      () => null,
    );
    if (password)
      say(
        `log in as ${role} / ${password}${role === "operator" ? "  (rerun, cancel, hold VMs; CLI: pnpm proofboard login --name operator)" : ""}`,
      );
  }
}

async function prepare() {
  if (ownTarget) {
    const url = e.PROOFBOARD_TARGET_URL!;
    const known = await db().repository.findUnique({ where: { name: e.PROOFBOARD_TARGET_NAME } });
    const repo = await ensureRepository(e.PROOFBOARD_TARGET_NAME, url);
    const s = await syncRepository(repo).catch(async (err: Error) => {
      // a target registered only to fail its first read is not left behind
      if (!known) await db().repository.delete({ where: { id: repo.id } });
      else if (known.url !== url) await db().repository.update({ where: { id: repo.id }, data: { url: known.url } });
      throw new Error(
        `could not read the target ${e.PROOFBOARD_TARGET_NAME} at ${url}: ${err.message}\n` +
          "PROOFBOARD_TARGET_URL must be a git repository this machine can fetch (a path or a URL).",
      );
    });
    say(
      `target ${repo.name} at ${url}: ${s.branches} ${s.branches === 1 ? "branch" : "branches"} (no demo: its lanes run when asked)`,
    );
    await ensureDemoUsers();
    return;
  }
  await createDemoRepository(dir);
  const repo = await ensureRepository(e.PROOFBOARD_TARGET_NAME, dir);
  const s = await syncRepository(repo);
  say(`target ${repo.name} at ${dir}: ${s.branches} branches`);
  await ensureDemoUsers();
}

async function runGateLanes(branch: string): Promise<string[]> {
  const repo = await db().repository.findUniqueOrThrow({ where: { name: e.PROOFBOARD_TARGET_NAME } });
  const view = await branchView(repo, await branchByName(repo, branch));
  if (!view.readiness || !view.catalog) return [];
  const wanted = releaseGates(view.catalog).flatMap((g) => g.lanes);
  const ids: string[] = [];
  for (const lane of lanesToRun(view.readiness, view.catalog, wanted)) {
    ids.push((await requestRun({ branch, lane, requestedBy: "demo", trigger: "demo" })).id);
  }
  return ids;
}

async function waitForRuns(ids: string[]) {
  for (;;) {
    const runs = await db().run.findMany({ where: { id: { in: ids } }, select: { status: true } });
    if (runs.every((r) => isTerminal(r.status))) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function seed() {
  if (ownTarget) return say(`${e.PROOFBOARD_TARGET_NAME} is a target of your own: nothing to seed`);
  const repo = await db().repository.findUniqueOrThrow({ where: { name: e.PROOFBOARD_TARGET_NAME } });
  // Push-triggered lanes run as soon as the repository is synced; only the demo's own runs mark a seed.
  if ((await db().run.count({ where: { repositoryId: repo.id, requestedBy: "demo" } })) > 0)
    return say("already seeded");
  const release = DEMO_BRANCHES.release.name;
  const releaseRuns = await runGateLanes(release);
  say(`queued ${releaseRuns.length} runs on ${release}`);
  for (const b of [DEMO_BRANCHES.main.name, DEMO_BRANCHES.fiberlbRework.name]) {
    say(`queued ${(await runGateLanes(b)).length} runs on ${b}`);
  }
  await waitForRuns(releaseRuns);
  await advanceBranch(dir, release, "release: bump chainfire to 2026.11.1\n");
  await syncRepository(repo);
  say(`${release} moved on: its passes are now stale`);
}

const cmd = process.argv[2];
try {
  if (cmd === "prepare") await prepare();
  else if (cmd === "seed") await seed();
  else throw new Error("usage: tsx scripts/demo.ts prepare|seed");
} catch (err) {
  // what to do, not a stack trace: start.sh shows this and stops
  console.error(`[demo] ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await closeQueues();
  await disconnectDb();
}
