import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { operatorPage, startStack, waitUntil, type Stack } from "./support/stack";

/**
 * "A verdict stands until a newer result replaces it" (issue #11) in the browser: while a passed
 * lane of main is rerun, the branch page and the overview keep main READY and say the lane is
 * re-running; the rerun's failure turns it NOT READY; a failed lane being rerun stays missing.
 */

// Each run of the gated lane waits for a token file and exits with the code written in it.
const gateScript = `#!/bin/bash
while [ ! -e "$1" ]; do sleep 0.1; done
code=$(cat "$1"); rm -f "$1"; exit "$code"
`;

let stack: Stack;
let browser: Browser;
let page: Page;
let tokenDir: string;
let token: string;

type LaneState = { name: string; readiness: { state: string; rerun: { id: string; status: string } | null } | null };
const gated = async () =>
  (await stack.query<{ lanes: LaneState[] }>("branches.get", { name: "main" })).lanes.find((l) => l.name === "gated")!
    .readiness!;
const release = (code: number) => writeFileSync(token, String(code));

beforeAll(async () => {
  tokenDir = mkdtempSync(path.join(os.tmpdir(), "pb-verdict-e2e-"));
  token = path.join(tokenDir, "go");
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "steady", command: ["bash", "-c", "echo steady ok"] },
      { name: "gated", command: ["bash", "lanes/gated.sh", token] },
    ]),
    "lanes/gated.sh": gateScript,
  });
  stack = await startStack({ port: 3163, targetUrl: target.dir, targetName: "verdict-target", name: "e2e_verdict" });
  browser = await launchChromium();
  page = await operatorPage(browser, stack, { width: 1440, height: 900 });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
});

describe("a verdict stands until a newer result replaces it", () => {
  it("keeps main READY in the page while a passed lane is rerun, then NOT READY when the rerun fails", async () => {
    release(0);
    await stack.mutate("runs.rerunMissing", { branch: "main" });
    await waitUntil(
      "main to be ready",
      async () => (await stack.query<{ releaseReady: boolean }>("branches.get", { name: "main" })).releaseReady,
      60_000,
    );

    await page.goto(`${stack.url}/branches/main`);
    await expect.poll(() => page.getByTestId("verdict").innerText()).toBe("READY");
    const row = page.locator('[data-lane="gated"]');
    await row.getByRole("button", { name: "Rerun gated" }).click();
    await waitUntil("the rerun to run", async () => (await gated()).rerun?.status === "running", 30_000);

    // The page shows both: the pass that stands and the rerun under way.
    await expect.poll(() => row.locator('[data-rerun="running"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await row.locator("[data-status]").first().getAttribute("data-status")).toBe("passed");
    expect(await row.locator('[data-rerun="running"]').innerText()).toBe("re-running");
    expect(await row.getByTestId("rerun-run").count()).toBe(1);
    expect(await page.getByTestId("verdict").innerText()).toBe("READY");
    await page.screenshot({ path: path.join(stack.dataDir, "branch-rerunning.png"), fullPage: true });

    await page.goto(stack.url);
    const mainRow = page.locator('tr[data-branch="main"]');
    await expect.poll(() => mainRow.getByTestId("verdict").innerText()).toBe("READY");
    expect(await mainRow.locator('[data-gate="release"]').getAttribute("data-green")).toBe("true");
    expect(await mainRow.getByTestId("gate-rerunning").innerText()).toContain("re-running");
    expect(await page.locator("main").innerText()).toContain("1 of 1 branch release-ready");
    await page.screenshot({ path: path.join(stack.dataDir, "overview-rerunning.png"), fullPage: true });

    release(1);
    await expect.poll(() => mainRow.getByTestId("verdict").innerText(), { timeout: 30_000 }).toBe("NOT READY");
    const chip = mainRow.locator('[data-lane-chip="gated"]');
    expect(await chip.getAttribute("data-lane-state")).toBe("failed");
    expect(await chip.getAttribute("data-rerun")).toBeNull();
  });

  it("keeps a failed lane missing while it is rerun, saying so, and counts the rerun once it passes", async () => {
    await stack.mutate("runs.rerun", { branch: "main", lane: "gated" });
    await waitUntil("the rerun to run", async () => (await gated()).rerun?.status === "running", 30_000);

    await page.goto(stack.url);
    const mainRow = page.locator('tr[data-branch="main"]');
    const chip = mainRow.locator('[data-lane-chip="gated"]');
    await expect.poll(() => chip.getAttribute("data-rerun"), { timeout: 15_000 }).toBe("running");
    expect(await chip.getAttribute("data-lane-state")).toBe("failed");
    expect(await chip.innerText()).toContain("re-running");
    expect(await mainRow.getByTestId("verdict").innerText()).toBe("NOT READY");
    expect(await mainRow.getByTestId("missing-rerunning").innerText()).toBe("1 of them re-running");
    await page.screenshot({ path: path.join(stack.dataDir, "overview-failed-rerunning.png"), fullPage: true });

    // Nothing idle is missing: neither "Rerun missing" is offered, so nothing could queue the lane twice.
    await page.goto(`${stack.url}/branches/main`);
    await expect
      .poll(() => page.locator('[data-lane="gated"] [data-rerun="running"]').count(), { timeout: 15_000 })
      .toBe(1);
    expect(await page.getByRole("button", { name: "Rerun everything missing" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Rerun missing \(\d+\) in release$/ }).count()).toBe(0);
    await page.screenshot({ path: path.join(stack.dataDir, "branch-failed-rerunning.png"), fullPage: true });

    release(0);
    await expect.poll(() => page.getByTestId("verdict").innerText(), { timeout: 30_000 }).toBe("READY");
    await expect.poll(() => page.locator('[data-lane="gated"]').getByTestId("flaky").count()).toBe(1);
  });
});
