/**
 * Console throughput figures for the README (a benchmark, not a test; issue #12), on the real path:
 * a lane prints BENCH_MB MB to its console as fast as the worker takes it, the worker stores it in
 * PostgreSQL, and the web serves it back as a raw download (what `proofboard console` fetches).
 *   1. ingest: the run's start → every byte stored (MB/s), and the worker's peak memory meanwhile;
 *   2. download: time to the first byte, MB/s, and the web's peak memory above its idle size;
 *   3. `proofboard console RUN` (the real CLI, a process of its own) into a pipe: MB/s and its peak memory;
 * each byte-exact (SHA-256 of what the lane printed against what was stored and downloaded). The
 * floor beside them, measured in the same run: PostgreSQL taking the same bytes as 256 KiB bytea
 * rows one after another through the pg driver (one commit each, into a logged table), and handing them back.
 * Run: pnpm bench:console   (needs `pnpm --filter @proofboard/web build` first)
 *   BENCH_MB (200), BENCH_ROUNDS (3 downloads), BENCH_PROFILE=DIR (the worker's CPU profile, written there when it stops)
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import pg from "pg";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { pumpScript } from "../tests/support/pump-script";
import { STACK_OPERATOR, startStack, waitUntil } from "../e2e/support/stack";
import { groupRssMiB, peakRss } from "./support/measure";

const MB = Number(process.env.BENCH_MB ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TOTAL = MB * 1024 * 1024;

/** The lane's bytes, 1 MiB at a time: numbered kernel-like lines, so no two blocks are alike. */
function* consoleBlocks(total: number): Generator<Buffer> {
  let n = 0;
  let sent = 0;
  while (sent < total) {
    let s = "";
    while (s.length < 1 << 20) {
      n++;
      s += `[${(n / 1000).toFixed(6).padStart(14)}] node01 systemd[1]: Started unit-${n}.service - bench unit ${n % 97}.\n`;
    }
    const b = Buffer.from(s.slice(0, Math.min(s.length, total - sent)));
    sent += b.length;
    yield b;
  }
}

const laneScript = pumpScript(consoleBlocks, TOTAL);

function sha256(blocks: Iterable<Buffer>): string {
  const h = createHash("sha256");
  for (const b of blocks) h.update(b);
  return h.digest("hex");
}

/**
 * The real CLI writing the console to a pipe, hashed as it comes: MB/s from the start of the
 * process (its start-up included) and the CLI's peak memory.
 */
async function cliDownload(
  env: NodeJS.ProcessEnv,
  runId: string,
): Promise<{ rate: number; startMs: number; peak: number; exact: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "apps/cli/src/main.ts", "console", runId], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  const memory = peakRss(child.pid!);
  const hash = createHash("sha256");
  let bytes = 0;
  let firstAt = 0;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    if (bytes === 0) firstAt = performance.now() - started;
    hash.update(chunk);
    bytes += chunk.length;
  }
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`proofboard console exited ${code}`);
  return {
    rate: mbps(bytes, performance.now() - started),
    startMs: firstAt,
    peak: memory.stop(),
    exact: hash.digest("hex"),
  };
}

const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);
const f1 = (n: number) => n.toFixed(1);

async function floor(databaseUrl: string): Promise<{ insert: number; read: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // A logged table like console_chunk (a temporary one skips the write-ahead log, and its flush per commit).
    await client.query("DROP TABLE IF EXISTS floor_chunk");
    await client.query("CREATE TABLE floor_chunk (o bigint PRIMARY KEY, data bytea)");
    const whole = Buffer.concat([...consoleBlocks(TOTAL)]);
    const started = performance.now();
    for (let o = 0; o < whole.length; o += 256 * 1024) {
      await client.query("INSERT INTO floor_chunk VALUES ($1, $2)", [o, whole.subarray(o, o + 256 * 1024)]);
    }
    const insert = mbps(whole.length, performance.now() - started);
    const readStart = performance.now();
    let read = 0;
    for (let o = 0; o < whole.length; o += 16 * 256 * 1024) {
      const rows = await client.query<{ data: Buffer }>(
        "SELECT data FROM floor_chunk WHERE o >= $1 AND o < $2 ORDER BY o",
        [o, o + 16 * 256 * 1024],
      );
      for (const r of rows.rows) read += r.data.length;
    }
    const readRate = mbps(read, performance.now() - readStart);
    await client.query("DROP TABLE floor_chunk");
    return { insert, read: readRate };
  } finally {
    await client.end();
  }
}

const expected = sha256(consoleBlocks(TOTAL));
const target = makeRepo({
  "proofboard.yaml": catalogYaml([{ name: "flood", command: ["node", "lanes/flood.cjs"], timeoutSeconds: 3600 }]),
  "lanes/flood.cjs": laneScript,
});
const profileDir = process.env.BENCH_PROFILE;
const stack = await startStack({
  port: 3119,
  targetUrl: target.dir,
  targetName: "bench-console",
  name: "bench_console",
  workerNodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
});
const databaseUrl = stack.env.DATABASE_URL!;
const sql = new pg.Client({ connectionString: databaseUrl });
await sql.connect();
try {
  const floors = await floor(databaseUrl);
  const workerIdle = groupRssMiB(stack.pids.worker);
  const workerPeak = peakRss(stack.pids.worker);
  const { id } = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "flood" });
  const stored = async () => {
    const r = await sql.query<{ length: string; started: number | null; status: string }>(
      `SELECT c.length::text AS length, extract(epoch FROM r.started_at) * 1000 AS started, r.status::text AS status
       FROM run r LEFT JOIN console c ON c.run_id = r.id AND c.name = 'harness' WHERE r.id = $1`,
      [id],
    );
    return r.rows[0]!;
  };
  await waitUntil("the lane to start", async () => (await stored()).started !== null, 120_000, 20);
  const startedAt = Number((await stored()).started);
  let last = 0;
  await waitUntil(
    `${MB} MB to be stored`,
    async () => {
      const s = await stored();
      if (["failed", "error", "timed_out", "canceled", "lost"].includes(s.status)) {
        throw new Error(`the run ended ${s.status}; logs in ${stack.dataDir}`);
      }
      last = Number(s.length ?? 0);
      return last >= TOTAL;
    },
    3_600_000,
    20,
  );
  const ingestMs = Date.now() - startedAt;
  const workerMax = workerPeak.stop();
  await waitUntil("the run to pass", async () => (await stored()).status === "passed", 120_000);

  const cookie = `pb_session=${await stack.session(STACK_OPERATOR.name, STACK_OPERATOR.password)}`;
  const downloads: { ttfb: number; rate: number; webAbove: number; exact: boolean }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const webIdle = groupRssMiB(stack.pids.web);
    const webPeak = peakRss(stack.pids.web);
    const started = performance.now();
    const res = await fetch(`${stack.url}/api/runs/${id}/consoles/harness/raw`, { headers: { cookie } });
    if (!res.ok || !res.body) throw new Error(`download: HTTP ${res.status} ${await res.text()}`);
    const hash = createHash("sha256");
    let bytes = 0;
    let ttfb = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      if (bytes === 0) ttfb = performance.now() - started;
      hash.update(chunk);
      bytes += chunk.length;
    }
    const ms = performance.now() - started;
    downloads.push({
      ttfb,
      rate: mbps(bytes, ms),
      webAbove: webPeak.stop() - webIdle,
      exact: hash.digest("hex") === expected,
    });
  }

  const { token } = await stack.mutate<{ token: string }>("tokens.create", { name: "bench", scope: "read", days: 1 });
  const cliEnv = { ...stack.env, PROOFBOARD_API_URL: stack.url, PROOFBOARD_TOKEN: token, PROOFBOARD_REPOSITORY: "" };
  const cli: Awaited<ReturnType<typeof cliDownload>>[] = [];
  for (let round = 0; round < ROUNDS; round++) cli.push(await cliDownload(cliEnv, id));

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const spread = (xs: number[], f: (n: number) => string) =>
    `${f(median(xs))} (${f(Math.min(...xs))} – ${f(Math.max(...xs))})`;
  console.log(`\nConsole throughput, ${MB} MB through one console (${new Date().toISOString()})`);
  console.log("| figure | measured | floor, same run |");
  console.log("| --- | --- | --- |");
  console.log(
    `| ingest: lane → every byte stored | ${f1(mbps(TOTAL, ingestMs))} MB/s (${f1(ingestMs / 1000)} s) | ${f1(floors.insert)} MB/s (pg driver, 256 KiB rows one after another) |`,
  );
  console.log(`| worker memory while ingesting | peak ${f1(workerMax)} MiB (idle ${f1(workerIdle)} MiB) | — |`);
  console.log(
    `| raw download, ${ROUNDS}× (median (min – max)); SHA-256 equal to the lane's: ${downloads.every((d) => d.exact) ? "yes" : "NO"} | ${spread(
      downloads.map((d) => d.rate),
      f1,
    )} MB/s; first byte ${spread(
      downloads.map((d) => d.ttfb),
      (n) => `${n.toFixed(0)} ms`,
    )} | ${f1(floors.read)} MB/s (pg driver, 4 MiB reads) |`,
  );
  console.log(
    `| web memory above idle while downloading | ${spread(
      downloads.map((d) => d.webAbove),
      (n) => `${n.toFixed(0)} MiB`,
    )} | — |`,
  );
  console.log(
    `| \`proofboard console\` into a pipe, ${ROUNDS}×, start-up included; SHA-256 equal: ${cli.every((c) => c.exact === expected) ? "yes" : "NO"} | ${spread(
      cli.map((c) => c.rate),
      f1,
    )} MB/s; first byte ${spread(
      cli.map((c) => c.startMs),
      (n) => `${n.toFixed(0)} ms`,
    )}; CLI peak ${spread(
      cli.map((c) => c.peak),
      (n) => `${n.toFixed(0)} MiB`,
    )} | — |`,
  );
  if (last !== TOTAL || downloads.some((d) => !d.exact) || cli.some((c) => c.exact !== expected)) process.exitCode = 1;
} finally {
  await sql.end();
  await stack.stop();
}
