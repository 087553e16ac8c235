import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoRepository } from "@proofboard/demo";
import { launchChromium } from "./support/browser";
import { startStack, waitUntil, type Stack } from "./support/stack";

/**
 * The demo's fresh-matrix: three real guests (QEMU, TCG) pass on main and fail on
 * feature/fiberlb-rework. The failed run's page searches all consoles and diffs a VM's console
 * against main's run, where only the fiberlb line (and the verdict) really differ.
 */
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  const demo = await createDemoRepository(
    path.join(mkdtempSync(path.join(os.tmpdir(), "pb-demo-")), "ultracloud-demo"),
  );
  stack = await startStack({ port: 3111, targetUrl: demo.path, targetName: "ultracloud-demo", name: "e2e" });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function runTo(branch: string, status: string): Promise<string> {
  const run = await stack.mutate<{ id: string }>("runs.rerun", { branch, lane: "fresh-matrix" });
  await waitUntil(
    `fresh-matrix on ${branch} to end ${status}`,
    async () => {
      const now = (await stack.query<{ status: string }>("runs.get", { id: run.id })).status;
      if (!["queued", "waiting", "running", status].includes(now))
        throw new Error(`fresh-matrix on ${branch} ended ${now}, not ${status}`);
      return now === status;
    },
    240_000,
    250,
  );
  return run.id;
}

describe("a failed multi-VM run: search all consoles, diff with last good", () => {
  it("counts matches per console, links lines, and shows the first line that really differs", async () => {
    const good = await runTo("main", "passed");
    const bad = await runTo("feature/fiberlb-rework", "failed");
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(`${stack.url}/runs/${bad}`);

    await page.getByLabel("Search all consoles").fill("fiberlb");
    await page.getByLabel("Search all consoles").press("Enter");
    const counts = page.getByTestId("search-console");
    await expect.poll(() => counts.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    const byConsole = Object.fromEntries(
      await Promise.all(
        (await counts.all()).map(async (c) => [
          await c.getAttribute("data-console"),
          Number(await c.getAttribute("data-count")),
        ]),
      ),
    ) as Record<string, number>;
    // Each guest names fiberlb on its kernel command line and in its failed check; the harness names it too.
    for (const node of ["node01", "node02", "node03"]) expect(byConsole[node]).toBe(2);
    expect(byConsole.harness).toBeGreaterThanOrEqual(1);
    const total = Object.values(byConsole).reduce((a, b) => a + b, 0);
    await expect
      .poll(() => page.getByTestId("search-summary").innerText())
      .toMatch(new RegExp(`^${total} matches in 4 of \\d+ consoles`));
    const node03Match = page.locator('[data-testid="search-console"][data-console="node03"] li', {
      hasText: "[FAILED] fiberlb: ",
    });
    await expect.poll(() => node03Match.count()).toBe(1);
    const href = await node03Match.getByRole("link").getAttribute("href");
    expect(href).toMatch(new RegExp(`^/runs/${bad}\\?console=node03&line=\\d+$`));

    await page.getByRole("button", { name: "Diff node03 with last good" }).click();
    await expect
      .poll(() => page.getByTestId("console-diff-first").innerText(), { timeout: 20_000 })
      .toMatch(/node03\s*first differs from the\s+last good run[\s\S]*at line \d+\./);
    const rows = page.locator('[data-testid="console-diff-lines"] tbody tr[data-op]');
    const ops = await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-op"), tr.textContent ?? ""]));
    // Kernel clocks, audit stamps and host rates were normalised away, and no console byte is lost
    // (the serial reader thread), so the very first change is node03's fiberlb check.
    const changes = ops.filter(([op]) => op !== "=");
    const firstCheck = changes.findIndex(([, text]) => /healthy|FAILED/.test(text!));
    expect(changes[firstCheck], JSON.stringify(changes.slice(0, 6))).toEqual([
      "-",
      expect.stringContaining("fiberlb: healthy"),
    ]);
    expect(firstCheck, JSON.stringify(changes.slice(0, 6))).toBe(0);
    expect(changes.find(([op, text]) => op === "+" && /healthy|FAILED/.test(text!))).toEqual([
      "+",
      expect.stringContaining("[FAILED] fiberlb:"),
    ]);
    expect(ops.some(([op, text]) => op === "+" && text!.includes("RESULT: FAIL node03"))).toBe(true);
    const firstLine = page
      .locator('[data-testid="console-diff-lines"] tr[data-op="+"]', { hasText: "[FAILED] fiberlb:" })
      .first()
      .getByRole("link", { name: /^this run line/ });
    expect(await firstLine.getAttribute("href")).toMatch(
      new RegExp(`^/runs/${bad}\\?console=node03&line=${href!.split("line=")[1]}$`),
    );
    expect(
      await page.getByTestId("console-diff").getByRole("link", { name: "last good run" }).first().getAttribute("href"),
    ).toBe(`/runs/${good}`);

    await page.getByRole("button", { name: "Diff node01 with last good" }).click();
    await expect
      .poll(() => page.getByTestId("console-diff-first").innerText(), { timeout: 20_000 })
      .toMatch(/node01\s*first differs/);
    await page.screenshot({ path: path.join(stack.dataDir, "run-search-diff.png"), fullPage: true });
    await page.getByTestId("console-diff").screenshot({ path: path.join(stack.dataDir, "console-diff.png") });
    await page.getByTestId("search-consoles").screenshot({ path: path.join(stack.dataDir, "search-consoles.png") });
    console.log(`screenshots in ${stack.dataDir}`);
    await page.close();
  });
});
