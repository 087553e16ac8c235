import { existsSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { operatorPage, startStack, waitUntil, type Stack } from "./support/stack";

/** Names git accepts that a shell would execute; they must stay text everywhere. */
const HOSTILE_BRANCHES = [
  "$(touch${IFS}pwned)",
  "`touch${IFS}pwned`",
  "a;touch${IFS}pwned",
  "-rf",
  "--upload-pack=touch${IFS}pwned",
];

const smokeScript = `#!/bin/bash
for i in $(seq 1 16); do echo "smoke line $i"; sleep 0.5; done
echo "smoke: all nodes healthy"
`;

let stack: Stack;
let browser: Browser;
let page: Page;
let target: ReturnType<typeof makeRepo>;

beforeAll(async () => {
  target = makeRepo({
    "proofboard.yaml": catalogYaml(
      [
        { name: "guard", command: ["bash", "-c", "echo guard ok"] },
        { name: "smoke", command: ["bash", "lanes/smoke.sh"] },
        { name: "extra", command: ["bash", "-c", "echo not in any gate"] },
      ],
      ["guard", "smoke"],
    ),
    "lanes/smoke.sh": smokeScript,
  });
  for (const name of HOSTILE_BRANCHES) target.git("update-ref", `refs/heads/${name}`, "HEAD");
  stack = await startStack({ port: 3111, targetUrl: target.dir, targetName: "e2e-target", name: "e2e" });
  browser = await launchChromium();
  page = await operatorPage(browser, stack, { width: 1440, height: 900 });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function runTo(branch: string, lane: string, status: string) {
  const run = await stack.mutate<{ id: string }>("runs.rerun", { branch, lane });
  await waitUntil(
    `${lane} on ${branch} to be ${status}`,
    async () => (await stack.query<{ status: string }>("runs.get", { id: run.id })).status === status,
  );
}

const terminalText = (p: Page) => p.locator('[data-console="harness"] .xterm-rows').innerText();

describe("readiness → rerun → live console → readiness", () => {
  it("reruns the last missing lane from the branch page and watches it turn the branch ready", async () => {
    await runTo("main", "guard", "passed");

    await page.goto(stack.url);
    const mainRow = page.locator("tr", { has: page.getByRole("link", { name: "main", exact: true }) });
    await expect.poll(() => mainRow.getByTestId("verdict").innerText()).toBe("NOT READY");

    await page.getByRole("link", { name: "main", exact: true }).click();
    await page.waitForURL(/\/branches\/main$/);
    const smokeRow = page.locator('[data-lane="smoke"]');
    await smokeRow.getByRole("button", { name: "Rerun smoke" }).click();

    const runLink = smokeRow.locator('a[href^="/runs/"]').first();
    await runLink.waitFor();
    await runLink.click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);

    // Lines arrive while the lane is still running.
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain("smoke line 2");
    expect(await page.getByTestId("run-status").getAttribute("data-status")).toBe("running");
    expect(await terminalText(page)).not.toContain("all nodes healthy");

    await expect
      .poll(() => page.getByTestId("run-status").getAttribute("data-status"), { timeout: 30_000 })
      .toBe("passed");
    await expect.poll(() => terminalText(page)).toContain("smoke: all nodes healthy");

    await page.goto(stack.url);
    await expect.poll(() => mainRow.getByTestId("verdict").innerText(), { timeout: 15_000 }).toBe("READY");
    await page.screenshot({ path: path.join(stack.dataDir, "overview-ready.png"), fullPage: true });
  });

  it("shows hostile branch names as text and never executes them", async () => {
    await page.goto(stack.url);
    for (const name of HOSTILE_BRANCHES) {
      await expect.poll(() => page.getByRole("link", { name, exact: true }).count()).toBe(1);
    }
    await page.getByRole("link", { name: HOSTILE_BRANCHES[0], exact: true }).click();
    await expect.poll(() => page.locator("h1").innerText()).toContain(HOSTILE_BRANCHES[0]);
    await expect.poll(() => page.locator('[data-lane="guard"]').count()).toBe(1);

    await page.goto(`${stack.url}/branches/${encodeURIComponent("--upload-pack=touch${IFS}pwned")}`);
    await expect.poll(() => page.locator("h1").innerText()).toContain("--upload-pack=touch${IFS}pwned");

    // The overview's filter takes the same text as plain text, and keeps it in a shareable URL.
    await page.goto(stack.url);
    await page.getByTestId("branch-filter").fill("$(TOUCH");
    await expect
      .poll(() => page.locator("tr[data-branch]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-branch"))))
      .toEqual([HOSTILE_BRANCHES[0]]);
    await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe("$(TOUCH");
    await page.goto(`${stack.url}/?q=${encodeURIComponent("--upload")}`);
    await expect
      .poll(() => page.locator("tr[data-branch]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-branch"))))
      .toEqual([HOSTILE_BRANCHES[4]]);
    await page.getByTestId("branch-filter").fill("no branch is called this");
    await expect
      .poll(() => page.getByTestId("no-match").innerText())
      .toBe("No branch name contains no branch is called this.");

    for (const dir of [process.cwd(), target.dir, stack.dataDir, path.join(process.cwd(), "apps/web")]) {
      expect(existsSync(path.join(dir, "pwned")), dir).toBe(false);
    }
  });

  it("rerun what is missing queues exactly the lanes not green on the new head", async () => {
    const head = target.commit({ CHANGELOG: "a new commit\n" }, "a new head with nothing run");
    await stack.mutate("branches.sync", {});
    await page.goto(`${stack.url}/branches/main`);
    await expect.poll(() => page.getByTestId("verdict").innerText()).toBe("NOT READY");
    await page.getByRole("button", { name: "Rerun everything missing" }).click();
    await expect
      .poll(async () => {
        const runs = await stack.query<{ lane: string; commitSha: string }[]>("runs.list", {
          branch: "main",
          limit: 50,
        });
        return runs
          .filter((r) => r.commitSha === head)
          .map((r) => r.lane)
          .sort();
      })
      .toEqual(["guard", "smoke"]);
    await expect.poll(() => page.getByTestId("verdict").innerText(), { timeout: 60_000 }).toBe("READY");
    const runs = await stack.query<{ lane: string; commitSha: string }[]>("runs.list", { branch: "main", limit: 50 });
    expect(
      runs
        .filter((r) => r.commitSha === head)
        .map((r) => r.lane)
        .sort(),
    ).toEqual(["guard", "smoke"]);
  });
});
