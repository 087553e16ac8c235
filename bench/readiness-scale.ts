/**
 * Readiness at scale (a benchmark, not a test): the real API procedures behind the overview (`/`)
 * and a branch page (`/branches/<name>`), called in-process through tRPC's server-side caller
 * against the database `pnpm bench:seed` filled (500 branches, 15 lanes, 1,000,000 runs).
 * Prints p50/p95/max after a warm-up; the first overview is reported on its own, since it reads
 * every head commit's catalog from git (cached per commit afterwards). Then checks that the
 * readiness it served is the one computeBranchReadiness gives from a plain reading of the runs.
 * Run: pnpm bench:scale   (BENCH_ROUNDS overviews, default 40; BENCH_PAGES branch pages, default 60)
 */
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { isDeepStrictEqual } from "node:util";
import pg from "pg";
import type { Branch, Repository } from "@proofboard/db";
import type { BranchReadiness, RunSummary } from "@proofboard/domain";

const root = path.resolve(import.meta.dirname, "..");
const DB_URL = process.env.BENCH_SCALE_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/proofboard_bench_scale";
const NAME = "ultracloud-scale";
const DIR = path.join(root, ".proofboard/scale");
process.env.DATABASE_URL = DB_URL;
process.env.PROOFBOARD_DATA_DIR = path.join(DIR, "data");
process.env.PROOFBOARD_TARGET_NAME = NAME;
process.env.PROOFBOARD_TARGET_URL = path.join(DIR, "ultracloud-scale.git");
process.env.PROOFBOARD_REDIS_PREFIX = "pbbenchscale"; // nothing of the benchmark in the development queues

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const PAGES = Number(process.env.BENCH_PAGES ?? 60);

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!.toFixed(1);
  return `n=${s.length} p50=${q(0.5)} ms p95=${q(0.95)} ms max=${s[s.length - 1]!.toFixed(1)} ms`;
}

async function timed<T>(xs: number[], fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const result = await fn();
  xs.push(performance.now() - t);
  return result;
}

/** What was seeded, read directly, so the figures say what they were measured on. */
async function describeData(): Promise<string> {
  const client = new pg.Client({ connectionString: DB_URL });
  try {
    await client.connect();
    const r = await client.query<{ runs: number; branches: number; commits: number; size: string }>(`
      SELECT (SELECT count(*) FROM run)::int AS runs, (SELECT count(*) FROM branch WHERE deleted_at IS NULL)::int AS branches,
        (SELECT count(*) FROM commit)::int AS commits, pg_size_pretty(pg_database_size(current_database())) AS size`);
    const row = r.rows[0]!;
    if (row.runs === 0) throw new Error("no runs");
    return `${row.branches} branches, ${row.commits} commits, ${row.runs.toLocaleString("en")} runs, database ${row.size}`;
  } catch (err) {
    console.error(`${DB_URL} is not seeded (${err instanceof Error ? err.message : String(err)}): run pnpm bench:seed first`);
    process.exit(1);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const data = await describeData();
const { appRouter } = await import("@proofboard/api");
const services = await import("@proofboard/services");
const { db, disconnectDb } = await import("@proofboard/db");
const { computeBranchReadiness } = await import("@proofboard/domain");
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");

// The mirror under the benchmark's data folder is fetched once, as the web server's sync would.
const repo = await services.defaultRepository();
await services.syncRepository(repo);
const caller = appRouter.createCaller({ actor: "bench", user: null });
console.log(`data: ${data}; ${os.cpus().length} CPUs, load average ${load()}`);

const cold: number[] = [];
const first = await timed(cold, () => caller.branches.list());
const names = first.branches.map((b) => b.name);
console.log(`overview, first call (cold catalog cache: ${names.length} head commits read from git): ${cold[0]!.toFixed(1)} ms`);

let seed = 7;
const randomName = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return names[seed % names.length]!;
};

// Warm-up: JIT, connection pool, plans.
for (let i = 0; i < 5; i++) await caller.branches.list();
for (let i = 0; i < 5; i++) await caller.branches.get({ name: randomName() });

const overview: number[] = [];
const allLanes: number[] = [];
const page: number[] = [];
const mainPage: number[] = [];
const durations: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const list = await timed(overview, () => caller.branches.list());
  if (list.branches.length !== names.length) throw new Error(`overview listed ${list.branches.length} branches`);
}
for (let i = 0; i < Math.ceil(ROUNDS / 4); i++) await timed(allLanes, () => services.overview(repo, { allLanes: true }));
for (let i = 0; i < PAGES; i++) {
  const name = randomName();
  const view = await timed(page, () => caller.branches.get({ name }));
  if (view.name !== name || view.lanes.length === 0) throw new Error(`branch page of ${name} is empty`);
}
for (let i = 0; i < Math.ceil(PAGES / 6); i++) await timed(mainPage, () => caller.branches.get({ name: "main" }));
const mainLanes = (await services.catalogAt(repo, (await services.branchByName(repo, "main")).headSha)).catalog.lanes;
for (let i = 0; i < 5; i++) await timed(durations, () => services.usualDurations(repo.id, mainLanes));

console.log(`overview (${names.length} branches), branches.list:      ${stats(overview)}`);
console.log(`  overview() judging every lane, not only gates': ${stats(allLanes)}`);
console.log(`branch page (random branches), branches.get: ${stats(page)}`);
console.log(`branch page (main, ${(await db().run.count({ where: { branchName: "main" } })).toLocaleString("en")} runs):          ${stats(mainPage)}`);
console.log(`  of which usualDurations (a lane's usual time): ${stats(durations)}`);
console.log(`load average at the end: ${load()}`);

const summary = { id: true, lane: true, commitSha: true, status: true, attempt: true, queuedAt: true, startedAt: true, finishedAt: true, failureKind: true, reason: true } as const;

/** The readiness computeBranchReadiness gives from every run on the head and each lane's newest stale pass. */
async function plainReadiness(r: Repository, b: Branch): Promise<BranchReadiness> {
  const { catalog } = await services.catalogAt(r, b.headSha);
  const onHead = await db().run.findMany({ where: { repositoryId: r.id, commitSha: b.headSha }, select: summary });
  const stale = await Promise.all(catalog.lanes.map((l) => db().run.findFirst({
    where: { repositoryId: r.id, branchName: b.name, lane: l.name, status: "passed", commitSha: { not: b.headSha } },
    orderBy: [{ queuedAt: "desc" }, { attempt: "desc" }, { id: "desc" }],
    select: summary,
  })));
  const runs: RunSummary[] = [...onHead, ...stale.filter((s) => s !== null)];
  return computeBranchReadiness({ headSha: b.headSha, catalog, runs });
}

const sample = new Set(["main", ...names.filter((n) => n.startsWith("release/")), ...Array.from({ length: 40 }, randomName)]);
const fromOverview = new Map((await services.overview(repo)).map((v) => [v.branch.name, v.readiness]));
const fromOverviewAll = new Map((await services.overview(repo, { allLanes: true })).map((v) => [v.branch.name, v.readiness]));
const differ: string[] = [];
for (const name of sample) {
  const branch = await services.branchByName(repo, name);
  const plain = await plainReadiness(repo, branch);
  const view = (await services.branchView(repo, branch)).readiness;
  const gatesOnly = fromOverview.get(name);
  const same = isDeepStrictEqual(view, plain) && isDeepStrictEqual(fromOverviewAll.get(name), plain) && gatesOnly
    && isDeepStrictEqual([gatesOnly.gates, gatesOnly.missing, gatesOnly.releaseReady], [plain.gates, plain.missing, plain.releaseReady])
    && Object.values(gatesOnly.lanes).every((l) => isDeepStrictEqual(l, plain.lanes[l.lane]));
  if (!same) differ.push(name);
}
console.log(differ.length
  ? `CHECK FAILED: readiness differs from a plain reading of the runs on ${differ.join(", ")}`
  : `check: readiness of ${sample.size} branches identical to computeBranchReadiness over a plain reading of their runs`);
await disconnectDb();
process.exit(differ.length ? 1 : 0);
