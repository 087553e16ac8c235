/**
 * Seeds the scale benchmark's own database (never the development one): a real git repository of
 * ~2,000 commits over 500 branches whose proofboard.yaml has 15 lanes and 2 release gates,
 * registered and synced like any target, then 1,000,000 runs. Idempotent: a complete seed is
 * kept; `--force` starts again from nothing. Then run `pnpm bench:scale`.
 * Run: pnpm bench:seed [--force]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { parseCatalog } from "@proofboard/domain";
import { recreateDatabase } from "../tests/support/database";

const root = path.resolve(import.meta.dirname, "..");
const DB_URL = process.env.BENCH_SCALE_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/proofboard_bench_scale";
const NAME = "ultracloud-scale";
const DIR = path.join(root, ".proofboard/scale");
const REPO = path.join(DIR, "ultracloud-scale.git");
const TOTAL_RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 1_000_000);
const BRANCHES = 500;
const LANES = 15;
const MAIN_COMMITS = 500;
process.env.DATABASE_URL = DB_URL;
process.env.PROOFBOARD_DATA_DIR = path.join(DIR, "data");
process.env.PROOFBOARD_TARGET_NAME = NAME;
process.env.PROOFBOARD_TARGET_URL = REPO;
process.env.PROOFBOARD_REDIS_PREFIX = "pbbenchscale"; // nothing of the benchmark in the development queues

const started = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}`);

/** Deterministic pseudo-random numbers (mulberry32): every seed builds the same shape of history and runs. */
let seed = 0x5eed;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

/** The demo's lanes (11 or 12) topped up to 15 with UltraCloud's eval-only lanes; its 2 release gates. */
function catalogText(): string {
  const demo = readFileSync(path.join(root, "packages/demo/template/proofboard.yaml"), "utf8");
  const evalLane = (name: string, title: string, profile: string, group: string, seconds: number) => `
  - name: ${name}
    title: ${title}
    description: Evaluates ${name.replace(/-eval$|-show$/, "")} without the eval cache.
    command: [bash, lanes/${name}.sh]
    profile: ${profile}
    group: ${group}
    host: tcg
    timeoutSeconds: 1800
    expectedSeconds: ${seconds}
    consoles: []
    covers: []
    needs: []
`;
  const extra = [
    evalLane("quickstart-flake-show", "Quickstart flake outputs", "single-node-dev", "quickstart", 90),
    evalLane("quickstart-eval", "Quickstart eval", "single-node-dev", "quickstart", 120),
    evalLane(
      "baremetal-control-plane-eval",
      "Bare-metal control-plane eval",
      "baremetal-bootstrap",
      "regression-guard",
      120,
    ),
    evalLane("baremetal-worker-eval", "Bare-metal worker eval", "baremetal-bootstrap", "regression-guard", 120),
  ]
    .slice(0, Math.max(0, LANES - parseCatalog(demo, "demo").lanes.length))
    .join("");
  // No triggers: syncing 500 new heads must not queue push-triggered runs (the runs are seeded below).
  return demo
    .replace("name: UltraCloud (demo)", "name: UltraCloud (scale benchmark)")
    .replace(/^ +triggers:.*\n/gm, "")
    .replace("\ngates:", `${extra}\ngates:`);
}

interface PlannedCommit {
  mark: number;
  parent: number;
  branch: string;
  time: number;
  next: number;
  author: string;
  subject: string;
  file: string;
  head: boolean;
}

const COMPONENTS = [
  "chainfire",
  "flaredb",
  "iam",
  "plasmavmc",
  "prismnet",
  "lightningstor",
  "coronafs",
  "flashdns",
  "fiberlb",
  "deployer",
  "nix-agent",
  "node-agent",
  "k8shost",
];
const AUTHORS = [
  "Aiko Tanaka",
  "Ben Okafor",
  "Chloé Martin",
  "Dmitri Volkov",
  "Esra Yılmaz",
  "Femi Adeyemi",
  "Grace Liu",
  "Hugo Sánchez",
];
const VERBS = ["fix", "tune", "refactor", "harden", "document", "speed up", "simplify", "test"];
const TOPICS = [
  "health probe",
  "raft snapshots",
  "lease renewal",
  "boot ordering",
  "disk layout",
  "TLS rotation",
  "metrics",
  "retry budget",
];

/** main: a line of 500 commits over six months; 499 branches forked from it with 1-5 commits each. */
function planHistory(now: number): { commits: PlannedCommit[]; branches: string[] } {
  const commits: PlannedCommit[] = [];
  const span = 182 * 86400;
  const start = now - span;
  const message = () => {
    const c = pick(COMPONENTS);
    return { file: `components/${c}.toml`, subject: `${c}: ${pick(VERBS)} ${pick(TOPICS)} (#${int(1000, 9999)})` };
  };
  for (let i = 0; i < MAIN_COMMITS; i++) {
    const time = Math.floor(start + (i * span) / MAIN_COMMITS + rand() * 3600);
    commits.push({
      mark: i + 1,
      parent: i,
      branch: "main",
      time,
      next: 0,
      author: pick(AUTHORS),
      head: false,
      ...message(),
    });
  }
  const branches = ["main"];
  const kinds = ["feature", "feature", "feature", "fix", "chore", "perf", "exp"];
  for (let b = 1; b < BRANCHES; b++) {
    const release = b <= 12;
    const name = release
      ? `release/2026.${String(b).padStart(2, "0")}`
      : `${pick(kinds)}/${pick(COMPONENTS)}-${pick(TOPICS).replace(/ /g, "-")}-${b}`;
    branches.push(name);
    const fork = commits[Math.floor(MAIN_COMMITS * Math.sqrt(rand()))] ?? commits[MAIN_COMMITS - 1]!;
    let time = fork.time;
    let parent = fork.mark;
    const count = release ? int(1, 3) : int(1, 5);
    for (let k = 0; k < count; k++) {
      time = Math.min(now - 600, time + int(600, 3 * 86400));
      commits.push({
        mark: commits.length + 1,
        parent,
        branch: name,
        time,
        next: 0,
        author: pick(AUTHORS),
        head: false,
        ...message(),
      });
      parent = commits.length;
    }
  }
  // next: when the branch moved on (reruns of a commit happen while it is the head); heads run until now
  const last = new Map<string, PlannedCommit>();
  for (const c of commits) {
    const prev = last.get(c.branch);
    if (prev) prev.next = c.time;
    last.set(c.branch, c);
  }
  for (const c of last.values()) Object.assign(c, { head: true, next: now });
  return { commits, branches };
}

/** One `git fast-import` stream; every commit on its branch's ref, the first one carrying the catalog. */
function buildRepository(commits: PlannedCommit[], catalog: string): Map<number, string> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  execFileSync("git", ["init", "--bare", "-q", "-b", "main", REPO]);
  const parts: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  for (const c of commits) {
    const who = `${c.author} <${c.author.split(" ")[0]!.toLowerCase()}@ultracloud.example> ${c.time} +0000`;
    parts.push(
      `commit refs/heads/${c.branch}\nmark :${c.mark}\nauthor ${who}\ncommitter ${who}\n${data(`${c.subject}\n\nScale benchmark commit ${c.mark}.\n`)}`,
    );
    if (c.parent) parts.push(`from :${c.parent}\n`);
    if (c.mark === 1) parts.push(`M 100644 inline proofboard.yaml\n${data(catalog)}`);
    parts.push(`M 100644 inline ${c.file}\n${data(`healthy = true\nrevision = ${c.mark}\n`)}\n`);
  }
  const marks = path.join(DIR, "marks");
  execFileSync("git", ["--git-dir", REPO, "fast-import", "--quiet", `--export-marks=${marks}`], {
    input: parts.join(""),
  });
  const shas = new Map<number, string>();
  for (const line of readFileSync(marks, "utf8").split("\n")) {
    const [mark, sha] = line.split(" ");
    if (mark && sha) shas.set(Number(mark.slice(1)), sha);
  }
  return shas;
}

/** How many runs each (commit, lane) gets: heads a few, older commits the rest, main and release most. */
function planRuns(commits: (PlannedCommit & { sha: string })[], lanes: string[]) {
  const plan = {
    sha: [] as string[],
    branch: [] as string[],
    lane: [] as string[],
    n: [] as number[],
    t0: [] as number[],
    span: [] as number[],
    head: [] as boolean[],
  };
  const older: { i: number; w: number }[] = [];
  let headRuns = 0;
  for (const c of commits) {
    for (const [li, lane] of lanes.entries()) {
      if (c.head && rand() < 0.4) continue;
      const n = c.head ? int(1, 3) : 0;
      headRuns += n;
      plan.sha.push(c.sha);
      plan.branch.push(c.branch);
      plan.lane.push(lane);
      plan.n.push(n);
      plan.head.push(c.head);
      // attempts are queued while the commit is the head, from two minutes after it landed
      plan.t0.push(c.time + 120);
      plan.span.push(Math.max(600, c.next - c.time - 420));
      if (!c.head) {
        const weight =
          (c.branch === "main" ? 4 : c.branch.startsWith("release/") ? 3 : 1) * (li >= 11 || li === 7 ? 2 : 1);
        older.push({ i: plan.n.length - 1, w: weight * -Math.log(1 - rand()) });
      }
    }
  }
  const budget = TOTAL_RUNS - headRuns;
  const sum = older.reduce((s, o) => s + o.w, 0);
  let given = 0;
  for (const o of older) given += plan.n[o.i] = Math.floor((o.w / sum) * budget);
  for (; given < budget; given++) plan.n[pick(older).i]! += 1;
  return plan;
}

/** Expands the plan into runs inside PostgreSQL: attempts, statuses, timings, reruns linked. */
const INSERT_RUNS = `
INSERT INTO run (id, repository_id, commit_sha, branch_name, lane, attempt, previous_run_id, status, failure_kind, reason,
  fence, argv, timeout_seconds, host_class, catalog_source, requested_by, queued_at, started_at, finished_at, exit_code)
SELECT md5(s.sha || s.lane || s.attempt)::uuid, $1, s.sha, s.branch, s.lane, s.attempt,
  CASE WHEN s.attempt > 1 THEN md5(s.sha || s.lane || (s.attempt - 1))::uuid END,
  s.status::run_status,
  (CASE s.status WHEN 'failed' THEN 'test' WHEN 'timed_out' THEN 'timeout' WHEN 'unsupported' THEN 'unsupported'
    WHEN 'lost' THEN 'infrastructure' WHEN 'error' THEN 'infrastructure' WHEN 'canceled' THEN 'canceled'
    WHEN 'skipped' THEN 'skipped' END)::failure_kind,
  CASE s.status WHEN 'failed' THEN 'exited with code 1' WHEN 'timed_out' THEN 'timed out after ' || d.timeout || ' s'
    WHEN 'unsupported' THEN 'stops at preflight by design: no /dev/kvm' WHEN 'lost' THEN 'host stopped heartbeating'
    WHEN 'error' THEN 'QEMU exited unexpectedly' WHEN 'canceled' THEN 'canceled by web'
    WHEN 'skipped' THEN 'a lane it needs failed' END,
  CASE WHEN s.started THEN 1 ELSE 0 END, d.argv, d.timeout, d.host, 'proofboard.yaml@' || left(s.sha, 10),
  CASE WHEN s.attempt > 1 THEN 'web' END,
  s.queued,
  CASE WHEN s.started THEN s.queued + make_interval(secs => 5 + s.r4 * 600) END,
  CASE WHEN s.started AND s.status <> 'running' THEN s.queued + make_interval(secs => 5 + s.r4 * 600) + make_interval(secs =>
    CASE s.status WHEN 'timed_out' THEN d.timeout WHEN 'unsupported' THEN 4 WHEN 'canceled' THEN d.expected * 0.3
      WHEN 'lost' THEN d.expected * s.r3 WHEN 'error' THEN d.expected * s.r3 ELSE d.expected * (0.7 + 0.6 * s.r3) END) END,
  CASE s.status WHEN 'passed' THEN 0 WHEN 'failed' THEN 1 WHEN 'unsupported' THEN 77 END
FROM (
  SELECT t.*, t.status NOT IN ('queued', 'waiting', 'skipped') AS started,
    to_timestamp(t.t0 + t.span * (t.attempt - 1 + t.r3 * 0.8) / t.n) AT TIME ZONE 'UTC' AS queued
  FROM (
    SELECT u.*, CASE
        WHEN u.head AND u.attempt = u.n AND u.r1 < 0.13 THEN CASE WHEN u.r1 < 0.06 THEN 'running' WHEN u.r1 < 0.11 THEN 'queued' ELSE 'waiting' END
        WHEN u.attempt < u.n THEN CASE WHEN u.r2 < 0.70 THEN 'passed' WHEN u.r2 < 0.88 THEN 'failed' WHEN u.r2 < 0.93 THEN 'timed_out'
          WHEN u.r2 < 0.95 THEN 'lost' WHEN u.r2 < 0.96 THEN 'error' ELSE 'canceled' END
        ELSE CASE WHEN u.r2 < 0.85 THEN 'passed' WHEN u.r2 < 0.93 THEN 'failed' WHEN u.r2 < 0.96 THEN 'timed_out'
          WHEN u.r2 < 0.97 THEN 'unsupported' WHEN u.r2 < 0.98 THEN 'canceled' WHEN u.r2 < 0.99 THEN 'error' ELSE 'skipped' END
      END AS status
    FROM (
      SELECT p.*, g.attempt, random() AS r1, random() AS r2, random() AS r3, random() AS r4
      FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::float8[], $7::float8[], $8::bool[]) AS p(sha, branch, lane, n, t0, span, head)
      CROSS JOIN LATERAL generate_series(1, p.n) AS g(attempt)
    ) u
  ) t
) s JOIN pg_temp.lane_def d ON d.lane = s.lane`;

async function main(): Promise<void> {
  const force = process.argv.includes("--force");
  if (!force && (await alreadySeeded())) {
    // Kept as it is; only migrations committed since the seed are applied (none of them reseeds).
    const placeholder = path.join(root, ".proofboard/prisma-engine-placeholder");
    execFileSync("pnpm", ["exec", "prisma", "migrate", "deploy"], {
      cwd: path.join(root, "packages/db"),
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
        PRISMA_QUERY_ENGINE_LIBRARY: placeholder,
        CHECKPOINT_DISABLE: "1",
      },
      stdio: "pipe",
    });
    log(
      `${DB_URL} already holds ${TOTAL_RUNS} runs of ${NAME}, migrations applied; nothing else to do (--force seeds again)`,
    );
    return;
  }
  const { ensureRepository, syncRepository } = await import("@proofboard/services");
  const { db, disconnectDb } = await import("@proofboard/db");
  const catalog = catalogText();
  const parsed = parseCatalog(catalog, "proofboard.yaml");
  log(`catalog: ${parsed.lanes.length} lanes, ${parsed.gates.filter((g) => g.release).length} release gates`);
  if (parsed.lanes.length !== LANES)
    throw new Error(`the scale catalog has ${parsed.lanes.length} lanes, not ${LANES}`);

  await recreateDatabase(DB_URL);
  log(`database ${DB_URL} recreated with the committed migrations`);
  const now = Math.floor(Date.now() / 1000);
  const { commits, branches } = planHistory(now);
  const shas = buildRepository(commits, catalog);
  const withSha = commits.map((c) => ({ ...c, sha: shas.get(c.mark)! }));
  log(`git repository ${REPO}: ${commits.length} commits on ${branches.length} branches`);

  const repo = await ensureRepository(NAME, REPO);
  const summary = await syncRepository(repo);
  log(`synced: ${summary.branches} branches (${summary.rejected.length} rejected)`);
  if (await db().run.count()) throw new Error("syncing queued runs: the scale catalog must have no push triggers");
  await disconnectDb();

  const client = new pg.Client({ connectionString: DB_URL });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO commit (id, repository_id, sha, author_name, author_email, authored_at, committed_at, subject, message)
       SELECT 'scale' || left(c.sha, 20), $1, c.sha, c.author, lower(split_part(c.author, ' ', 1)) || '@ultracloud.example',
         to_timestamp(c.t) AT TIME ZONE 'UTC', to_timestamp(c.t) AT TIME ZONE 'UTC', c.subject, c.subject || E'\\n'
       FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[]) AS c(sha, author, t, subject)
       ON CONFLICT (repository_id, sha) DO NOTHING`,
      [
        repo.id,
        withSha.map((c) => c.sha),
        withSha.map((c) => c.author),
        withSha.map((c) => c.time),
        withSha.map((c) => c.subject),
      ],
    );
    await client.query(
      "CREATE TEMP TABLE lane_def (lane text PRIMARY KEY, argv text[], timeout int, host text, expected int)",
    );
    for (const l of parsed.lanes) {
      await client.query("INSERT INTO pg_temp.lane_def VALUES ($1, $2, $3, $4, $5)", [
        l.name,
        l.command,
        l.timeoutSeconds,
        l.host,
        l.expectedSeconds ?? 60,
      ]);
    }
    await client.query("SELECT setseed(0.42)");
    const plan = planRuns(
      withSha,
      parsed.lanes.map((l) => l.name),
    );
    let from = 0;
    let inserted = 0;
    while (from < plan.n.length) {
      let to = from;
      for (let runs = 0; to < plan.n.length && runs < 100_000; to++) runs += plan.n[to]!;
      const cut = <T>(xs: T[]) => xs.slice(from, to);
      const res = await client.query(INSERT_RUNS, [
        repo.id,
        cut(plan.sha),
        cut(plan.branch),
        cut(plan.lane),
        cut(plan.n),
        cut(plan.t0),
        cut(plan.span),
        cut(plan.head),
      ]);
      inserted += res.rowCount ?? 0;
      log(`runs: ${inserted.toLocaleString("en")} / ${TOTAL_RUNS.toLocaleString("en")}`);
      from = to;
    }
    // As autovacuum would in time: the readiness summaries were rewritten once per batch of runs.
    for (const table of ["run", "commit", "branch", "commit_lane", "branch_lane_pass"])
      await client.query(`VACUUM (ANALYZE) ${table}`);
    const size = await client.query<{ size: string }>(
      "SELECT pg_size_pretty(pg_database_size(current_database())) AS size",
    );
    log(`analyzed; database size ${size.rows[0]?.size}. Next: pnpm bench:scale`);
  } finally {
    await client.end();
  }
}

async function alreadySeeded(): Promise<boolean> {
  if (!existsSync(REPO)) return false;
  const client = new pg.Client({ connectionString: DB_URL });
  try {
    await client.connect();
    const r = await client.query<{ runs: number }>(
      "SELECT count(*)::int AS runs FROM run WHERE repository_id = (SELECT id FROM repository WHERE name = $1)",
      [NAME],
    );
    return r.rows[0]?.runs === TOTAL_RUNS;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

await main();
