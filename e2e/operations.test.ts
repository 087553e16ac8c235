import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoRepository } from "@proofboard/demo";
import { launchChromium } from "./support/browser";
import { startStack, waitUntil, type Stack } from "./support/stack";

/** Operations on a held cluster in the browser: the demo's test-cluster stand-in on real guests. */
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  const demo = await createDemoRepository(
    path.join(mkdtempSync(path.join(os.tmpdir(), "pb-demo-")), "ultracloud-demo"),
  );
  stack = await startStack({ port: 3114, targetUrl: demo.path, targetName: "ultracloud-demo", name: "e2e" });
  stack.addUser("op", "operator-password", "operator");
  stack.addUser("other", "other-password", "operator");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const consoleText = (page: Page, name: string) => page.locator(`[data-console="${name}"] .xterm-rows`).innerText();

async function logIn(name: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  await page.goto(`${stack.url}/login?next=/runs`);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => u.pathname === "/runs");
  return { context, page };
}

/** The operations panel as it looks at the top of the page (the sticky top bar would cover an element shot). */
async function panelShot(page: Page, file: string): Promise<void> {
  await page.evaluate("window.scrollTo(0, 0)");
  const box = await page.getByTestId("operations").boundingBox();
  if (box)
    await page.screenshot({
      path: path.join(stack.dataDir, file),
      clip: { x: 0, y: 0, width: 1440, height: box.y + box.height + 8 },
    });
}

function qemuCount(): number {
  try {
    return Number(
      execFileSync("pgrep", ["-fc", `qemu-system-x86_64 .*${stack.dataDir}/`], { encoding: "utf8" }).trim(),
    );
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

describe("operations on a held cluster", () => {
  it("the holder types into ssh node02 and sees the guest's shell; a second viewer's terminal sends nothing; the session replays", async () => {
    const holder = await logIn("op", "operator-password");
    const op = holder.page;
    const previous = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "fresh-smoke" });
    await op.goto(`${stack.url}/runs/${previous.id}`);
    await op.getByLabel("Hold minutes").fill("5");
    await op.getByRole("button", { name: "Rerun and hold VMs" }).click();
    await op.waitForURL((u) => !u.pathname.endsWith(previous.id) && /\/runs\/[0-9a-f-]{36}$/.test(u.pathname));
    const runId = new URL(op.url()).pathname.split("/").pop()!;
    await expect
      .poll(() => op.getByTestId("operations-access").innerText(), { timeout: 90_000 })
      .toContain("run on the held cluster");
    for (const node of ["node01", "node02", "node03"])
      await expect.poll(() => consoleText(op, node), { timeout: 60_000 }).toContain(`${node}:/# `);

    const second = await logIn("other", "other-password");
    const ro = second.page;
    const sentByViewer: Request[] = [];
    ro.on("request", (r) => {
      if (/runs\.input|operations\.(start|resize|stop)/.test(r.url())) sentByViewer.push(r);
    });
    await ro.goto(`${stack.url}/runs/${runId}`);
    await expect
      .poll(() => ro.getByTestId("operations-access").innerText())
      .toContain("read-only: only op may run them");
    expect(await ro.getByRole("button", { name: "ssh node02" }).isDisabled()).toBe(true);
    expect(await ro.getByRole("button", { name: "stop", exact: true }).isDisabled()).toBe(true);

    await op.getByRole("button", { name: "ssh node02" }).click();
    const ssh = "op1-ssh-node02";
    await expect.poll(() => consoleText(op, ssh), { timeout: 60_000 }).toContain("root@node02:/# ");
    await op.locator(`[data-console="${ssh}"] .xterm`).click();
    await op.keyboard.type("echo hi-$((6*7)); hostname");
    await op.keyboard.press("Enter");
    await expect.poll(() => consoleText(op, ssh), { timeout: 20_000 }).toMatch(/\nhi-42\s*\nnode02\s*\n/);
    // The guest's shell has the size of the holder's terminal.
    await op.keyboard.type("stty size");
    await op.keyboard.press("Enter");
    const rows = await op.locator(`[data-console="${ssh}"] .xterm-rows > div`).count();
    await expect.poll(() => consoleText(op, ssh), { timeout: 20_000 }).toMatch(new RegExp(`\\n${rows} \\d+\\s*\\n`));

    // The viewer sees the session live, and typing into it sends nothing anywhere.
    await expect.poll(() => consoleText(ro, ssh), { timeout: 20_000 }).toContain("hi-42");
    await ro.locator(`[data-console="${ssh}"] .xterm`).click();
    await ro.keyboard.type("echo from-viewer");
    await ro.keyboard.press("Enter");
    await ro.waitForTimeout(1500);
    expect(sentByViewer).toHaveLength(0);
    expect(await consoleText(op, ssh)).not.toContain("from-viewer");
    await op.screenshot({ path: path.join(stack.dataDir, "operations-holder.png"), fullPage: true });
    await panelShot(op, "operations-panel-holder.png");
    await panelShot(ro, "operations-panel-viewer.png");

    await op.keyboard.type("exit");
    await op.keyboard.press("Enter");
    await expect
      .poll(() => op.locator(`[data-operation="${ssh}"] [data-testid="operation-outcome"]`).innerText(), {
        timeout: 30_000,
      })
      .toBe("exit 0");

    // After it ended, a fresh page replays the session from storage.
    const again = await second.context.newPage();
    await again.goto(`${stack.url}/runs/${runId}?console=${ssh}`);
    await expect.poll(() => consoleText(again, ssh), { timeout: 20_000 }).toContain("Connection to node02 closed.");
    expect(await consoleText(again, ssh)).toContain("hi-42");
    await expect.poll(() => again.locator(`[data-operation="${ssh}"]`).innerText()).toContain("by op");

    await op.getByRole("button", { name: "stop", exact: true }).click();
    await expect
      .poll(() => op.getByTestId("run-status").getAttribute("data-status"), { timeout: 90_000 })
      .toBe("passed");
    expect(await consoleText(op, "op2-stop")).toContain("node02: stopped; passed");
    await expect
      .poll(() => op.locator('[data-operation="op2-stop"] [data-testid="operation-outcome"]').innerText(), {
        timeout: 20_000,
      })
      .toBe("exit 0");
    expect(await op.getByTestId("operations-access").innerText()).toBe("the hold has ended");
    await panelShot(op, "operations-panel-ended.png");
    await waitUntil("every VM of the run to be gone", async () => qemuCount() === 0, 15_000);
    expect(sentByViewer).toHaveLength(0);
    await holder.context.close();
    await second.context.close();
  });
});
