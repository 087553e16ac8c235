/**
 * Figure for the README (a benchmark, not a test): a failed run with three 50 MB VM consoles,
 * opened in a fresh browser page → its first failure visible. The lane prints like
 * `nix build -L` in a pipe (three machines of a NixOS test), node02's failure 40 MB into its
 * console; the real worker splits, scans and stores all 150 MB.
 *   1. page open → the first failure line on screen (read from the markers found while storing);
 *   2. page open → the failing VM's terminal scrolled to that line (needs its bytes replayed).
 * Run: pnpm bench:failure   (needs `pnpm --filter @proofboard/web build` first)
 */
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "../e2e/support/browser";
import { startStack, waitUntil } from "../e2e/support/stack";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MB_PER_CONSOLE = Number(process.env.BENCH_MB ?? 50);
const SCROLL_TIMEOUT_MS = 300_000;

// Writes whole lines in 1 MB blocks, waiting for the pipe: as fast as the worker takes them.
const bigScript = `
const drv = "vm-test-run-cluster";
const perConsole = ${MB_PER_CONSOLE} * 1024 * 1024;
const machines = ["node01", "node02", "node03"];
process.stderr.write(machines.map((m) => drv + "> " + m + ": starting vm\\n").join(""));
// Counted in VM console bytes (what follows "<machine> # "), so each VM console is MB_PER_CONSOLE.
let vmBytes = 0, n = 0, failed = false;
const block = () => {
  let s = "";
  while (s.length < 1 << 20) {
    n++;
    for (const m of machines) {
      const line = "[" + (n / 100).toFixed(6).padStart(12) + "] systemd[1]: Started unit-" + n + ".service - a service of " + m + ".\\n";
      s += drv + "> " + m + " # " + line;
      vmBytes += line.length;
      if (m === "node02" && !failed && vmBytes >= perConsole * 3 * 0.8) {
        failed = true;
        s += drv + "> node02 # [FAILED] Failed to start flaredb.service - FlareDB region server.\\n";
      }
    }
  }
  return s;
};
const pump = () => {
  while (vmBytes < perConsole * 3) if (!process.stderr.write(block())) return process.stderr.once("drain", pump);
  process.stderr.write(drv + "> !!! RequestedAssertionFailed: unit flaredb.service is failed\\n", () => process.exit(1));
};
pump();
`;

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `n=${s.length} p50=${q(0.5)} ms p95=${q(0.95)} ms max=${s[s.length - 1]} ms`;
}

const target = makeRepo({
  "proofboard.yaml": catalogYaml([
    {
      name: "cluster",
      command: ["node", "lanes/big.cjs"],
      timeoutSeconds: 1800,
      consoles: ["node01", "node02", "node03"],
    },
  ]),
  "lanes/big.cjs": bigScript,
});
// Its own port and database, so it can run beside the other benchmarks.
const stack = await startStack({
  port: 3113,
  targetUrl: target.dir,
  targetName: "bench-target",
  name: "bench_failure",
});
const browser = await launchChromium();
try {
  const started = Date.now();
  const { id } = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "cluster" });
  await waitUntil(
    "the 150 MB run to fail",
    async () => (await stack.query<{ status: string }>("runs.get", { id })).status === "failed",
    900_000,
    500,
  );
  const run = await stack.query<{
    consoles: { name: string; length: number; markers: { line: number }[] }[];
    firstFailing: string;
  }>("runs.get", { id });
  const sizes = run.consoles.map((c) => `${c.name} ${(c.length / 1048576).toFixed(1)} MiB`).join(", ");
  console.log(
    `stored in ${((Date.now() - started) / 1000).toFixed(1)} s: ${sizes}; first failing ${run.firstFailing} line ${run.consoles.find((c) => c.name === run.firstFailing)?.markers[0]?.line}`,
  );

  const toText: number[] = [];
  const toScroll: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh context per round: nothing cached from the round before.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(`${stack.url}/runs/${id}`, { waitUntil: "commit" });
    const tile = page.locator('section[data-console="node02"]');
    await tile
      .getByTestId("first-failure")
      .filter({ hasText: "[FAILED] Failed to start flaredb.service" })
      .waitFor({ timeout: 60_000 });
    toText.push(Date.now() - t0);
    // The terminal itself: only in the first round, it replays all 150 MB.
    if (round === 0) {
      const scrolled = await tile
        .locator(".xterm-rows")
        .filter({ hasText: "[FAILED] Failed to start flaredb.service" })
        .waitFor({ timeout: SCROLL_TIMEOUT_MS })
        .then(
          () => Date.now() - t0,
          () => null,
        );
      if (scrolled !== null) toScroll.push(scrolled);
      else console.log(`terminal not scrolled to the failure within ${SCROLL_TIMEOUT_MS / 1000} s`);
    }
    await context.close();
  }
  console.log(`open → first failure line on screen: ${stats(toText)}`);
  if (toScroll.length) console.log(`open → failing VM's terminal at that line (150 MB replayed): ${stats(toScroll)}`);
} finally {
  await browser.close();
  await stack.stop();
}
