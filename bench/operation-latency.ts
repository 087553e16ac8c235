/**
 * Operation keystroke → echo visible in the browser (a benchmark, not a test), on the real stack:
 * the production web build, a worker, PostgreSQL, Redis, Chromium, and the demo's held fresh-smoke
 * cluster (real guests under TCG). The holder opens `ssh node02` and types; each keystroke goes
 * browser → runs.input → Redis → worker → the operation's pseudo-terminal → the test-cluster
 * stand-in → the guest's serial port, and its echo back the same way it would for any console
 * (Postgres, then the live stream, then xterm.js). Timed in the page from the key's keydown to
 * the first change of the terminal's rows.
 * Run: pnpm bench:ops   (needs `pnpm --filter @proofboard/web build` first)
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDemoRepository } from "@proofboard/demo";
import { launchChromium } from "../e2e/support/browser";
import { startStack, waitUntil } from "../e2e/support/stack";

const KEYS = Number(process.env.BENCH_KEYS ?? 200);
const CONSOLE = "op1-ssh-node02";

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `n=${s.length} p50=${Math.round(q(0.5))} ms p95=${Math.round(q(0.95))} ms max=${Math.round(s[s.length - 1]!)} ms`;
}

const demo = await createDemoRepository(
  path.join(mkdtempSync(path.join(os.tmpdir(), "pb-bench-demo-")), "ultracloud-demo"),
);
const stack = await startStack({ port: 3112, targetUrl: demo.path, targetName: "ultracloud-demo", name: "bench" });
stack.addUser("op", "operator-password", "operator");
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(`${stack.url}/login?next=/runs`);
  await page.getByLabel("Name").fill("op");
  await page.getByLabel("Password").fill("operator-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => u.pathname === "/runs");
  const first = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "fresh-smoke" });
  await page.goto(`${stack.url}/runs/${first.id}`);
  await page.getByRole("button", { name: "Rerun fresh-smoke and hold its VMs" }).click();
  await page.waitForURL((u) => /\/runs\/[0-9a-f-]{36}$/.test(u.pathname) && !u.pathname.endsWith(first.id));
  await page.getByRole("button", { name: "ssh node02" }).click({ timeout: 120_000 });
  const rows = page.locator(`[data-console="${CONSOLE}"] .xterm-rows`);
  await waitUntil(
    "the guest's ssh prompt",
    async () => (await rows.innerText().catch(() => "")).includes("root@node02:/# "),
    90_000,
  );
  await page.locator(`[data-console="${CONSOLE}"] .xterm`).click();
  // In the page: keydown time, then the first DOM change of the rows (xterm's DOM renderer draws per frame).
  await page.evaluate(`(() => {
    const rows = document.querySelector('[data-console="${CONSOLE}"] .xterm-rows');
    const box = document.querySelector('[data-console="${CONSOLE}"] .xterm');
    window.__lat = [];
    let pending = null;
    box.addEventListener('keydown', () => { pending = { t0: performance.now(), before: rows.textContent }; }, true);
    new MutationObserver(() => {
      if (pending && rows.textContent !== pending.before) { window.__lat.push(performance.now() - pending.t0); pending = null; }
    }).observe(rows, { subtree: true, childList: true, characterData: true });
  })()`);
  for (let i = 0; i < KEYS; i++) {
    // A letter, then its erasure: the prompt line never grows, and both echoes count.
    await page.keyboard.press(i % 2 === 0 ? String.fromCharCode(97 + ((i / 2) % 26)) : "Backspace");
    await waitUntil(
      `the echo of keystroke ${i + 1}`,
      async () => (await page.evaluate<number>("window.__lat.length")) > i,
      10_000,
      5,
    ).catch(async (err: Error) => {
      const runId = new URL(page.url()).pathname.split("/").pop()!;
      const raw = await (await fetch(`${stack.url}/api/runs/${runId}/consoles/${CONSOLE}/raw`)).text();
      throw new Error(
        `${err.message}; the terminal shows:\n${await rows.innerText()}\nstored: ${JSON.stringify(raw.slice(-300))}`,
      );
    });
    await page.waitForTimeout(20 + Math.random() * 60);
  }
  const latencies = await page.evaluate<number[]>("window.__lat");
  console.log(`operation keystroke → echo visible in the browser (ssh node02, TCG guest): ${stats(latencies)}`);
  await page.getByRole("button", { name: "stop", exact: true }).click();
  await waitUntil(
    "the run to end",
    async () => (await page.getByTestId("run-status").getAttribute("data-status")) === "passed",
    120_000,
  );
} finally {
  await browser.close();
  await stack.stop();
}
