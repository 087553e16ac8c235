/**
 * VM console figures for the README (a benchmark, not a test), on the real stack with the demo
 * target and real QEMU guests under TCG:
 *   1. QEMU process start → its first serial byte visible in the browser;
 *   2. rerun click → all three consoles of the three-VM lane live in the browser.
 * Run: pnpm bench:vm   (needs `pnpm --filter @proofboard/web build` first)
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createDemoRepository } from "@proofboard/demo";
import { launchChromium } from "../e2e/support/browser";
import { startStack, waitUntil } from "../e2e/support/stack";

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const NODES = ["node01", "node02", "node03"];

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `n=${s.length} p50=${q(0.5)} ms p95=${q(0.95)} ms max=${s[s.length - 1]} ms`;
}

/** When each node's QEMU process appeared, polled every 5 ms from outside. */
function watchQemuStarts(until: () => boolean): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  return new Promise((resolve) => {
    const tick = async () => {
      const out = await run("pgrep", ["-af", "qemu-system-x86_64 -name node0"]).then(
        (r) => r.stdout,
        () => "",
      );
      for (const node of NODES) if (out.includes(`-name ${node} `)) seen[node] ??= Date.now();
      if (until() || NODES.every((n) => seen[n])) resolve(seen);
      else setTimeout(() => void tick(), 5);
    };
    void tick();
  });
}

const demo = await createDemoRepository(
  path.join(mkdtempSync(path.join(os.tmpdir(), "pb-bench-demo-")), "ultracloud-demo"),
);
const stack = await startStack({ port: 3112, targetUrl: demo.path, targetName: "ultracloud-demo", name: "bench" });
const browser = await launchChromium();
const firstByte: number[] = [];
const clickToAll: number[] = [];
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const first = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "fresh-smoke" });
  await waitUntil(
    "a first run",
    async () => (await stack.query<{ status: string }>("runs.get", { id: first.id })).status === "passed",
    120_000,
  );
  let previous = first.id;
  for (let round = 0; round < ROUNDS; round++) {
    await page.goto(`${stack.url}/runs/${previous}`);
    await page.getByRole("button", { name: "Rerun fresh-smoke" }).waitFor();
    // The page notes, every frame, when each console first shows text.
    let done = false;
    const qemu = watchQemuStarts(() => done);
    const clickedAt = Date.now();
    await page.getByRole("button", { name: "Rerun fresh-smoke" }).click();
    await page.waitForURL((u) => /\/runs\/[0-9a-f-]{36}$/.test(u.pathname) && !u.pathname.endsWith(previous));
    await page.evaluate(`(() => {
      const seen = {};
      window.__seen = seen;
      const look = () => {
        for (const n of ${JSON.stringify(NODES)}) {
          const rows = document.querySelector('[data-console="' + n + '"] .xterm-rows');
          if (rows && rows.innerText.trim().length > 0) seen[n] ??= Date.now();
        }
        requestAnimationFrame(look);
      };
      look();
    })()`);
    const runId = page.url().split("/").pop()!;
    await waitUntil(
      "the run to pass",
      async () => (await stack.query<{ status: string }>("runs.get", { id: runId })).status === "passed",
      120_000,
    );
    done = true;
    const started = await qemu;
    const seen = await page.evaluate<Record<string, number>>("window.__seen");
    for (const n of NODES) if (started[n] && seen[n]) firstByte.push(seen[n] - started[n]);
    if (NODES.every((n) => seen[n])) clickToAll.push(Math.max(...NODES.map((n) => seen[n]!)) - clickedAt);
    previous = runId;
    process.stdout.write(".");
  }
  console.log(`\nQEMU start → first serial byte visible in the browser (TCG): ${stats(firstByte)}`);
  console.log(`rerun click → all three consoles of fresh-smoke live:        ${stats(clickToAll)}`);
} finally {
  await browser.close();
  await stack.stop();
}
