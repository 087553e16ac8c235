/**
 * Figures for the README (a benchmark, not a test): on the real stack (production web build,
 * worker process, PostgreSQL, Redis, Chromium),
 *   1. rerun click → lane process start, on an idle worker;
 *   2. console line printed by the lane → visible in the browser's terminal.
 * Run: pnpm bench   (needs `pnpm --filter @proofboard/web build` first)
 */
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "../e2e/support/browser";
import { startStack, waitUntil } from "../e2e/support/stack";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const TICKS = 25;
const tickScript = `
console.log("START " + Date.now());
let i = 0;
const t = setInterval(() => {
  console.log("TICK " + ++i + " " + Date.now());
  if (i === ${TICKS}) clearInterval(t);
}, 200);
`;

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `n=${s.length} p50=${q(0.5)} ms p95=${q(0.95)} ms max=${s[s.length - 1]} ms`;
}

const target = makeRepo({
  "proofboard.yaml": catalogYaml([{ name: "tick", command: ["node", "lanes/tick.cjs"] }]),
  "lanes/tick.cjs": tickScript,
});
const stack = await startStack({ port: 3112, targetUrl: target.dir, targetName: "bench-target", name: "bench" });
const browser = await launchChromium();
const clickToStart: number[] = [];
const printedToVisible: number[] = [];
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  for (let round = 0; round < ROUNDS; round++) {
    await page.goto(`${stack.url}/branches/main`);
    const row = page.locator('[data-lane="tick"]');
    const button = row.getByRole("button", { name: "Rerun tick" });
    await button.waitFor();
    const before = await stack.query<{ id: string }[]>("runs.list", { lane: "tick", limit: 1 });
    const clickedAt = Date.now();
    await button.click();
    let runId = "";
    await waitUntil(
      "the new run",
      async () => {
        const [latest] = await stack.query<{ id: string }[]>("runs.list", { lane: "tick", limit: 1 });
        runId = latest && latest.id !== before[0]?.id ? latest.id : "";
        return runId !== "";
      },
      10_000,
      20,
    );
    // Watch the terminal every frame and note when each tick first appears.
    await page.goto(`${stack.url}/runs/${runId}`);
    // A string, not a function: tsx's transpiled helpers do not exist inside the page.
    await page.evaluate(`(() => {
      const seen = {};
      window.__seen = seen;
      const look = () => {
        const rows = document.querySelector('[data-console="harness"] .xterm-rows');
        for (const m of (rows ? rows.innerText : "").matchAll(/TICK (\\d+) (\\d+)/g)) seen[m[1]] ??= Date.now();
        requestAnimationFrame(look);
      };
      look();
    })()`);
    const liveFrom = Date.now();
    await waitUntil(
      "the run to pass",
      async () => (await stack.query<{ status: string }>("runs.get", { id: runId })).status === "passed",
      30_000,
    );
    await page.waitForTimeout(300);
    const seen = await page.evaluate<Record<string, number>>("window.__seen");
    const raw = await (await fetch(`${stack.url}/api/runs/${runId}/consoles/harness/raw`)).text();
    const started = Number(/START (\d+)/.exec(raw)?.[1]);
    clickToStart.push(started - clickedAt);
    for (const m of raw.matchAll(/TICK (\d+) (\d+)/g)) {
      const printed = Number(m[2]);
      const shown = seen[m[1]!];
      // Only ticks printed after the page was already following count as live.
      if (shown !== undefined && printed > liveFrom + 500) printedToVisible.push(shown - printed);
    }
    process.stdout.write(".");
  }
  console.log(`\nrerun click → lane process start (idle worker): ${stats(clickToStart)}`);
  console.log(`console line printed → visible in the browser:  ${stats(printedToVisible)}`);
} finally {
  await browser.close();
  await stack.stop();
}
