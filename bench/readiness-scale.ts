/**
 * Readiness at scale (a benchmark, not a test): the real API procedures behind the overview (`/`:
 * its first 100 rows, as the page asks; filtered; and all 500 at once) and a branch page (`/branches/<name>`), called in-process through tRPC's server-side caller
 * against the database `pnpm bench:seed` filled (500 branches, 15 lanes, 1,000,000 runs).
 * Prints p50/p95/max after a warm-up; the first overview is reported on its own, since it reads
 * every head commit's catalog from git (cached per commit afterwards). Then checks that the
 * readiness it served is the one computeBranchReadiness gives from a plain reading of the runs.
 * Run: pnpm bench:scale   (BENCH_ROUNDS overviews, default 40; BENCH_PAGES branch pages, default 60)
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
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
/** The rows the overview page asks for at first (OVERVIEW_PAGE in apps/web). */
const OVERVIEW_PAGE = 100;
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
    console.error(
      `${DB_URL} is not seeded (${err instanceof Error ? err.message : String(err)}): run pnpm bench:seed first`,
    );
    process.exit(1);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const data = await describeData();
const { operatorCaller } = await import("../tests/support/callers");
const services = await import("@proofboard/services");
const { db, disconnectDb } = await import("@proofboard/db");
const { computeBranchReadiness } = await import("@proofboard/domain");
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

// The mirror under the benchmark's data folder is fetched once, as the web server's sync would.
const repo = await services.defaultRepository();
await services.syncRepository(repo);
const caller = await operatorCaller("bench");
console.log(`data: ${data}; ${os.cpus().length} CPUs, load average ${load()}`);

const cold: number[] = [];
const first = await timed(cold, () => caller.branches.list());
const names = first.branches.map((b) => b.name);
console.log(
  `overview, first call (cold catalog cache: ${names.length} head commits read from git): ${cold[0]!.toFixed(1)} ms`,
);

let seed = 7;
const randomName = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return names[seed % names.length]!;
};

// Warm-up: JIT, connection pool, plans.
for (let i = 0; i < 5; i++) await caller.branches.list();
for (let i = 0; i < 5; i++) await caller.branches.get({ name: randomName() });

const overview: number[] = [];
const overviewPage: number[] = [];
const filtered: number[] = [];
const allLanes: number[] = [];
const page: number[] = [];
const mainPage: number[] = [];
const durations: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const shown = await timed(overviewPage, () => caller.branches.list({ limit: OVERVIEW_PAGE }));
  if (shown.branches.length !== OVERVIEW_PAGE || shown.total !== names.length)
    throw new Error(`the overview page listed ${shown.branches.length} of ${shown.total} branches`);
  const list = await timed(overview, () => caller.branches.list());
  if (list.branches.length !== names.length) throw new Error(`overview listed ${list.branches.length} branches`);
  const some = await timed(filtered, () => caller.branches.list({ filter: "FIBERLB", limit: OVERVIEW_PAGE }));
  if (some.total === 0 || some.branches.some((b) => !b.name.includes("fiberlb")))
    throw new Error("the filtered overview is wrong");
}
for (let i = 0; i < Math.ceil(ROUNDS / 4); i++)
  await timed(allLanes, () => services.overview(repo, { allLanes: true }));
for (let i = 0; i < PAGES; i++) {
  const name = randomName();
  const view = await timed(page, () => caller.branches.get({ name }));
  if (view.name !== name || view.lanes.length === 0) throw new Error(`branch page of ${name} is empty`);
}
for (let i = 0; i < Math.ceil(PAGES / 6); i++) await timed(mainPage, () => caller.branches.get({ name: "main" }));
const mainLanes = (await services.catalogAt(repo, (await services.branchByName(repo, "main")).headSha)).catalog.lanes;
for (let i = 0; i < 5; i++) await timed(durations, () => services.usualDurations(repo.id, mainLanes));

console.log(
  `overview page (first ${OVERVIEW_PAGE} of ${names.length} branches, as the page asks): ${stats(overviewPage)}`,
);
console.log(
  `overview page filtered by "FIBERLB" (${(await caller.branches.list({ filter: "FIBERLB", limit: OVERVIEW_PAGE })).total} branches): ${stats(filtered)}`,
);
console.log(`overview, all ${names.length} branches in one call:  ${stats(overview)}`);
console.log(`  overview() judging every lane, not only gates': ${stats(allLanes)}`);
console.log(`branch page (random branches), branches.get: ${stats(page)}`);
console.log(
  `branch page (main, ${(await db().run.count({ where: { branchName: "main" } })).toLocaleString("en")} runs):          ${stats(mainPage)}`,
);
console.log(`  of which usualDurations (a lane's usual time): ${stats(durations)}`);
// The other pages an engineer opens at this scale, each with the procedure its page calls.
const failedOnMain = await db().run.findFirst({
  where: { status: "failed", branchName: "main" },
  orderBy: { queuedAt: "desc" },
  select: { id: true },
});
const otherPages: [string, () => Promise<unknown>][] = [
  ["history grid of main (/history/main)", () => caller.history.branchGrid({ branch: "main" })],
  ["lane history (/lanes/fresh-smoke)", () => caller.history.lane({ lane: "fresh-smoke" })],
  ["runs page (/runs)", () => caller.runs.list({ limit: 200 })],
  ["runs page of main (/runs?branch=main)", () => caller.runs.list({ branch: "main", limit: 200 })],
  ["failed run vs last good (/runs/<id>)", () => caller.history.compare({ runId: failedOnMain!.id })],
];
for (const [what, fn] of otherPages) {
  const xs: number[] = [];
  for (let i = 0; i < 12; i++) await timed(xs, fn);
  console.log(`${what.padEnd(44)} ${stats(xs.slice(2))}`);
}
console.log(`load average at the end: ${load()}`);

/**
 * The same questions over HTTP, as the browser asks them: the production web build (`next start`)
 * on this database, tRPC over fetch, JSON included. Its reconciler stays off so that nothing
 * changes the seeded runs.
 */
async function overHttp(): Promise<void> {
  const nextBin = path.join(root, "apps/web/node_modules/next/dist/bin/next");
  if (!existsSync(path.join(root, "apps/web/.next/BUILD_ID"))) {
    console.log("over HTTP: skipped, no web build (pnpm --filter @proofboard/web build)");
    return;
  }
  const port = 3917;
  const web = spawn(process.execPath, [nextBin, "start", "-p", String(port)], {
    cwd: path.join(root, "apps/web"),
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PROOFBOARD_WEB_RECONCILER: "off",
      PORT: String(port),
    },
    stdio: "ignore",
    detached: true,
  });
  const get = async (proc: string, input: unknown) => {
    const res = await fetch(
      `http://127.0.0.1:${port}/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`,
    );
    const body = await res.text();
    if (!res.ok) throw new Error(`${proc} over HTTP: ${res.status} ${body.slice(0, 200)}`);
    return body.length;
  };
  try {
    const started = Date.now();
    while (!(await get("branches.list", { limit: 1 }).catch(() => 0))) {
      if (Date.now() - started > 60_000) throw new Error("the web server did not answer within 60 s");
      await new Promise((r) => setTimeout(r, 200));
    }
    for (let i = 0; i < 5; i++) await get("branches.list", { limit: OVERVIEW_PAGE });
    const pageHttp: number[] = [];
    const allHttp: number[] = [];
    const branchHttp: number[] = [];
    let bytes = 0;
    for (let i = 0; i < ROUNDS; i++)
      bytes = await timed(pageHttp, () => get("branches.list", { limit: OVERVIEW_PAGE }));
    console.log(
      `over HTTP, overview page (${OVERVIEW_PAGE} rows, ${(bytes / 1024).toFixed(0)} KiB): ${stats(pageHttp)}`,
    );
    for (let i = 0; i < Math.ceil(ROUNDS / 2); i++) bytes = await timed(allHttp, () => get("branches.list", {}));
    console.log(`over HTTP, overview all ${names.length} (${(bytes / 1024).toFixed(0)} KiB):      ${stats(allHttp)}`);
    for (let i = 0; i < PAGES; i++) await timed(branchHttp, () => get("branches.get", { name: randomName() }));
    console.log(`over HTTP, branch page:                   ${stats(branchHttp)}`);
  } finally {
    if (web.pid) process.kill(-web.pid, "SIGTERM");
  }
}
await overHttp();

const summary = {
  id: true,
  lane: true,
  commitSha: true,
  status: true,
  attempt: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  laneEndedAt: true,
  failureKind: true,
  reason: true,
} as const;

/** The readiness computeBranchReadiness gives from every run on the head and each lane's newest stale pass. */
async function plainReadiness(r: Repository, b: Branch): Promise<BranchReadiness> {
  const { catalog } = await services.catalogAt(r, b.headSha);
  const onHead = await db().run.findMany({ where: { repositoryId: r.id, commitSha: b.headSha }, select: summary });
  const stale = await Promise.all(
    catalog.lanes.map((l) =>
      db().run.findFirst({
        where: {
          repositoryId: r.id,
          branchName: b.name,
          lane: l.name,
          status: "passed",
          commitSha: { not: b.headSha },
        },
        orderBy: [{ queuedAt: "desc" }, { attempt: "desc" }, { id: "desc" }],
        select: summary,
      }),
    ),
  );
  const runs: RunSummary[] = [...onHead, ...stale.filter((s) => s !== null)];
  return computeBranchReadiness({ headSha: b.headSha, catalog, runs });
}

const sample = new Set([
  "main",
  ...names.filter((n) => n.startsWith("release/")),
  ...Array.from({ length: 40 }, randomName),
]);
const fromOverview = new Map((await services.overview(repo)).map((v) => [v.branch.name, v.readiness]));
const fromOverviewAll = new Map(
  (await services.overview(repo, { allLanes: true })).map((v) => [v.branch.name, v.readiness]),
);
const differ: string[] = [];
for (const name of sample) {
  const branch = await services.branchByName(repo, name);
  const plain = await plainReadiness(repo, branch);
  const view = (await services.branchView(repo, branch)).readiness;
  const gatesOnly = fromOverview.get(name);
  const same =
    isDeepStrictEqual(view, plain) &&
    isDeepStrictEqual(fromOverviewAll.get(name), plain) &&
    gatesOnly &&
    isDeepStrictEqual(
      [gatesOnly.gates, gatesOnly.missing, gatesOnly.releaseReady],
      [plain.gates, plain.missing, plain.releaseReady],
    ) &&
    Object.values(gatesOnly.lanes).every((l) => isDeepStrictEqual(l, plain.lanes[l.lane]));
  if (!same) differ.push(name);
}
console.log(
  differ.length
    ? `CHECK FAILED: readiness differs from a plain reading of the runs on ${differ.join(", ")}`
    : `check: readiness of ${sample.size} branches identical to computeBranchReadiness over a plain reading of their runs`,
);
await disconnectDb();
process.exit(differ.length ? 1 : 0);
