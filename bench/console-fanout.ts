/**
 * Live console figures for the README (a benchmark, not a test; issue #12), on the real path: a lane
 * prints timestamped lines at BENCH_RATE bytes/s for BENCH_SECONDS, the worker stores them and
 * publishes them on Redis, and N followers read the run's live stream (`runs.follow`, the run
 * page's subscription) from one production web process, for each N in BENCH_FOLLOWERS.
 * The lane starts printing once all N followers are in place (each has had its first event); how
 * long that took is reported beside the figures.
 * Per N: how many followers received the whole console byte-exact (SHA-256 of the base64 they
 * received, in order, against the stored console's download encoded at the same cuts; any gap or
 * duplicate counts), the latency from a
 * line's printing to its arrival at a follower (each event's first line, the oldest bytes in it),
 * and the web process's memory above its idle size. The floor beside them, measured in the same
 * run: Redis XADD → a blocked XREAD of a chunk the same size.
 * Run: pnpm bench:fanout   (needs `pnpm --filter @proofboard/web build` first)
 *   BENCH_FOLLOWERS (1,10,50,200), BENCH_RATE (1048576), BENCH_SECONDS (15),
 *   BENCH_JOIN_AFTER_MS (followers join that long after the lane started printing, reading what came before from storage),
 *   BENCH_PROFILE=DIR (the web process's CPU profile, written there when it stops),
 *   BENCH_FOLLOWER_PROCESSES (2: the followers spread over that many processes of their own, as
 *   viewers on other machines would be; 0: all in the benchmark's own process)
 */
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { STACK_OPERATOR, startStack, waitUntil } from "../e2e/support/stack";
import { peakRss, groupRssMiB, percentile } from "./support/measure";
import { startFollowerPool } from "./support/follower-pool";
import { follow, type FollowerResult } from "./support/sse-follower";

const COUNTS = (process.env.BENCH_FOLLOWERS ?? "1,10,50,200").split(",").map(Number);
const RATE = Number(process.env.BENCH_RATE ?? 1 << 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
/** Followers join this long after the lane started printing (default: all in place before it starts). */
const JOIN_AFTER_MS = process.env.BENCH_JOIN_AFTER_MS ? Number(process.env.BENCH_JOIN_AFTER_MS) : null;
/**
 * Followers in this many processes of their own; 0: in the benchmark's own process, whose one
 * event loop then reads 200 streams and is itself what the figure measures past ~100 followers.
 */
const PROCESSES = Number(process.env.BENCH_FOLLOWER_PROCESSES ?? 2);

const goFile = path.join(mkdtempSync(path.join(os.tmpdir(), "pb-fanout-")), "go");

/**
 * Lines of ~100 bytes, each beginning with the epoch ms it was printed at, written every 5 ms,
 * from the moment the benchmark says every follower is in place (the go file exists).
 */
const laneScript = `
const fs = require("node:fs");
const go = ${JSON.stringify(goFile)};
const wait = () => (fs.existsSync(go) ? run() : setTimeout(wait, 10));
let rate = ${RATE}, until, start, sent = 0, n = 0;
const run = () => {
  fs.rmSync(go, { force: true });
  start = Date.now();
  until = start + ${SECONDS * 1000};
  tick();
};
const tick = () => {
  const now = Date.now();
  let s = "";
  while (sent + s.length < rate * (now - start) / 1000) {
    n++;
    const head = "t=" + now + " n=" + n + " ";
    s += head + "x".repeat(Math.max(0, 99 - head.length)) + "\\n";
  }
  sent += s.length;
  if (s) process.stdout.write(s);
  if (now < until) setTimeout(tick, 5);
};
wait();
`;

async function redisFloor(prefix: string): Promise<number[]> {
  const writer = new Redis();
  const reader = new Redis();
  const key = `${prefix}:bench-floor`;
  const payload = Buffer.alloc(Math.max(1024, Math.round(RATE / 40)), "x");
  const out: number[] = [];
  try {
    await writer.del(key);
    let last = "$";
    for (let i = 0; i < 200; i++) {
      const read = reader.xreadBuffer("BLOCK", 1000, "STREAMS", key, last);
      await new Promise((r) => setTimeout(r, 5));
      const sentAt = performance.now();
      await writer.xadd(key, "*", "d", payload);
      const got = await read;
      out.push(performance.now() - sentAt);
      last = got![0]![1].at(-1)![0].toString();
    }
    await writer.del(key);
  } finally {
    writer.disconnect();
    reader.disconnect();
  }
  return out;
}

const target = makeRepo({
  "proofboard.yaml": catalogYaml([{ name: "live", command: ["node", "lanes/live.cjs"], timeoutSeconds: 600 }]),
  "lanes/live.cjs": laneScript,
});
/** Followers of one run are mostly cut alike: each distinct cut is encoded once. */
const encodedCache = new Map<string, string>();

/** SHA-256 of `stored`'s base64, cut where a follower's events began: what a byte-exact follower received. */
function encodedAt(stored: Buffer, cuts: number[]): string {
  const key = `${stored.length}:${cuts.join(",")}`;
  let digest = encodedCache.get(key);
  if (digest === undefined) {
    const hash = createHash("sha256");
    cuts.forEach((at, i) => hash.update(stored.subarray(at, cuts[i + 1] ?? stored.length).toString("base64")));
    digest = hash.digest("hex");
    encodedCache.set(key, digest);
  }
  return digest;
}

const profileDir = process.env.BENCH_PROFILE;
const stack = await startStack({
  port: 3121,
  targetUrl: target.dir,
  targetName: "bench-fanout",
  name: "bench_fanout",
  webNodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
});
const cookie = `pb_session=${await stack.session(STACK_OPERATOR.name, STACK_OPERATOR.password)}`;
const rows: string[] = [];
let failed = false;
try {
  const floor = await redisFloor(`pbbench_fanout`);
  for (const count of COUNTS) {
    const pool = PROCESSES > 0 ? await startFollowerPool(PROCESSES) : null;
    const { id } = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "live" });
    const webIdle = groupRssMiB(stack.pids.web);
    const webPeak = peakRss(stack.pids.web);
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    let inPlace = 0;
    let allInPlace = () => undefined as void;
    const ready = new Promise<void>((resolve) => (allInPlace = resolve));
    const onReady = () => {
      if (++inPlace === count) allInPlace();
    };
    if (JOIN_AFTER_MS !== null) {
      writeFileSync(goFile, "");
      await new Promise((r) => setTimeout(r, JOIN_AFTER_MS));
    }
    const connecting = performance.now();
    let following: Promise<{ results: FollowerResult[]; cpuMs: number }>;
    if (pool) {
      following = pool.follow({ url: stack.url, cookie, runId: id, consoleName: "harness" }, count, onReady);
    } else {
      const followers: Promise<FollowerResult>[] = [];
      for (let i = 0; i < count; i++) {
        let once = false;
        followers.push(
          follow(stack.url, cookie, id, "harness", () => {
            if (!once) onReady();
            once = true;
          }),
        );
      }
      following = Promise.all(followers).then((results) => ({ results, cpuMs: 0 }));
    }
    await ready;
    const connectMs = performance.now() - connecting;
    if (JOIN_AFTER_MS === null) writeFileSync(goFile, "");
    const { results, cpuMs } = await following;
    const webAbove = webPeak.stop() - webIdle;
    const cpu = process.cpuUsage(cpuBefore);
    // The followers share this machine's cores with the web: how much of one they took is part of the figure.
    const followerCpu = ((cpu.user + cpu.system) / 1000 + cpuMs) / (performance.now() - wallBefore);
    await waitUntil(
      "the run to pass",
      async () => (await stack.query<{ status: string }>("runs.get", { id })).status === "passed",
      60_000,
    );
    const res = await fetch(`${stack.url}/api/runs/${id}/consoles/harness/raw`, { headers: { cookie } });
    const stored = Buffer.from(await res.arrayBuffer());
    const exact = results.filter((r) => r.faults.length === 0 && r.encodedSha256 === encodedAt(stored, r.cuts)).length;
    if (exact < count) failed = true;
    const lat = results.flatMap((r) => r.latencies);
    const fmt = (q: number) => `${percentile(lat, q).toFixed(0)}`;
    rows.push(
      `| ${count} | ${exact} of ${count} (${(stored.length / 1048576).toFixed(1)} MiB each) | ${fmt(0.5)} / ${fmt(0.99)} / ${Math.max(...lat).toFixed(0)} ms (${lat.length} events) | ${webAbove.toFixed(0)} MiB | ${(followerCpu * 100).toFixed(0)}% | ${connectMs.toFixed(0)} ms |`,
    );
    const faults = results.flatMap((r) => r.faults).slice(0, 3);
    if (faults.length) console.error(`${count} followers: ${faults.join("; ")}`);
    console.error(rows.at(-1));
  }
  console.log(
    `\nLive console fan-out: one console at ${(RATE / 1048576).toFixed(2)} MiB/s for ${SECONDS} s (${new Date().toISOString()})`,
  );
  if (JOIN_AFTER_MS !== null) console.log(`Followers joined ${JOIN_AFTER_MS} ms after the lane started printing.`);
  console.log(
    `Floor, same run: Redis XADD → XREAD of ${Math.round(RATE / 40 / 1024)} KiB p50 ${percentile(floor, 0.5).toFixed(1)} ms, p99 ${percentile(floor, 0.99).toFixed(1)} ms`,
  );
  console.log(
    "| followers | complete and byte-exact | printed → received p50 / p99 / max | web memory above idle (peak) | the followers' own CPU (of one core) | all followers in place |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(r);
  if (failed) process.exitCode = 1;
} finally {
  await stack.stop();
}
