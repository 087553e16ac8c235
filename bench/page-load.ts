/**
 * Figures for the README (a benchmark, not a test): how soon a page shows its data when opened in
 * a fresh browser (a new context each round: no cache, no cookies, no warm query cache), on the
 * real stack (production web build, worker, PostgreSQL, Redis, Chromium). Per page:
 *   - in the page: navigation start → the data's element in the document and the next frame drawn
 *     (a MutationObserver installed before the page's own HTML arrives);
 *   - wall clock: Playwright's goto → that element found, which adds the browser's round trips.
 * Also checks that the first HTML, before any script runs, already holds the data.
 * Run: pnpm bench:pages   (needs `pnpm --filter @proofboard/web build` first)
 */
import type { Browser } from "playwright-core";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "../e2e/support/browser";
import { startStack, waitUntil } from "../e2e/support/stack";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const BRANCHES = Number(process.env.BENCH_BRANCHES ?? 30);

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5)} ms, min ${s[0]} ms, p90 ${q(0.9)} ms, max ${s[s.length - 1]} ms (n=${s.length})`;
}

const target = makeRepo({
  "proofboard.yaml": catalogYaml([
    { name: "guard", command: ["bash", "-c", "echo guard ok"] },
    { name: "smoke", command: ["bash", "-c", "echo smoke ok"] },
  ]),
});
// A table of branches rather than one row: the overview's first 100 rows are what a person opens.
for (let i = 1; i < BRANCHES; i++) target.git("branch", `feature/bench-${String(i).padStart(3, "0")}`);
const stack = await startStack({ port: 3118, targetUrl: target.dir, targetName: "bench-pages", name: "bench_pages" });
await waitUntil(
  `${BRANCHES} branches synced`,
  async () => (await stack.query<{ total: number }>("branches.list", { limit: 1 })).total >= BRANCHES,
  60_000,
);
const { id: runId } = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "guard" });
await waitUntil(
  "the guard run to pass",
  async () => (await stack.query<{ status: string }>("runs.get", { id: runId })).status === "passed",
  60_000,
  200,
);

const pages = [
  {
    name: "overview `/`",
    path: "/",
    marker: 'tr[data-branch="main"] [data-testid="verdict"]',
    inHtml: 'data-branch="main"',
  },
  {
    name: "branch `/branches/main`",
    path: "/branches/main",
    marker: '[data-testid="verdict"]',
    inHtml: 'data-testid="verdict"',
  },
  {
    name: "run `/runs/<id>` (passed)",
    path: `/runs/${runId}`,
    marker: '[data-testid="run-status"][data-status="passed"]',
    inHtml: 'data-testid="run-status"',
  },
  { name: "runs `/runs`", path: "/runs", marker: `a[href="/runs/${runId}"]`, inHtml: `href="/runs/${runId}"` },
  { name: "hosts `/hosts`", path: "/hosts", marker: "tbody tr", inHtml: "<tbody" },
];

/**
 * Installed before the page's HTML: notes when `selector` first matches, and when the frame after
 * it is drawn. A string, not a function: tsx adds helpers to compiled functions that the page lacks.
 */
function watch(selector: string): string {
  return `(() => {
    const selector = ${JSON.stringify(selector)};
    const check = () => {
      if (window.__pbSeen !== undefined || !document.querySelector(selector)) return;
      window.__pbSeen = performance.now();
      observer.disconnect();
      requestAnimationFrame(() => (window.__pbDrawn = performance.now()));
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { childList: true, subtree: true, attributes: true });
  })();`;
}

async function open(browser: Browser, path: string, marker: string): Promise<{ drawn: number; wall: number }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    await context.addInitScript(watch(marker));
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(`${stack.url}${path}`, { waitUntil: "commit" });
    await page.locator(marker).first().waitFor({ timeout: 30_000 });
    const wall = Date.now() - t0;
    await page.waitForFunction(() => (window as unknown as { __pbDrawn?: number }).__pbDrawn !== undefined);
    const drawn = await page.evaluate(() => (window as unknown as { __pbDrawn: number }).__pbDrawn);
    return { drawn: Math.round(drawn), wall };
  } finally {
    await context.close();
  }
}

const browser = await launchChromium();
try {
  for (const p of pages) {
    // One warm-up so the figures are of a running server, not of its first load of the route.
    await open(browser, p.path, p.marker);
    const fetched = Date.now();
    const html = await (await fetch(`${stack.url}${p.path}`)).text();
    const htmlMs = Date.now() - fetched;
    const drawn: number[] = [];
    const wall: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const r = await open(browser, p.path, p.marker);
      drawn.push(r.drawn);
      wall.push(r.wall);
    }
    console.log(
      `${p.name}: data drawn ${stats(drawn)}; goto → found ${stats(wall)}; first HTML ${(html.length / 1024).toFixed(0)} KiB in ${htmlMs} ms, holds the data: ${html.includes(p.inHtml)}`,
    );
  }
} finally {
  await browser.close();
  await stack.stop();
}
