import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoRepository } from "@proofboard/demo";
import { launchChromium } from "./support/browser";
import { startStack, waitUntil, type Stack } from "./support/stack";

/** The demo target's three-VM lanes, real QEMU guests under TCG, watched and held in the browser. */
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  const demo = await createDemoRepository(
    path.join(mkdtempSync(path.join(os.tmpdir(), "pb-demo-")), "ultracloud-demo"),
  );
  stack = await startStack({ port: 3111, targetUrl: demo.path, targetName: "ultracloud-demo", name: "e2e" });
  stack.addUser("op", "operator-password", "operator");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const consoleText = (page: Page, name: string) => page.locator(`[data-console="${name}"] .xterm-rows`).innerText();

function qemuCount(): number {
  try {
    return Number(execFileSync("pgrep", ["-fc", "qemu-system-x86_64 -name node0"], { encoding: "utf8" }).trim());
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

describe("VM consoles in the browser", () => {
  it("shows the VMs of a `nix build -L` flake check run through a pipe (the demo's baremetal-iso-e2e)", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const run = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "baremetal-iso-e2e" });
    await page.goto(`${stack.url}/runs/${run.id}`);
    await expect
      .poll(() => page.getByTestId("run-status").getAttribute("data-status"), { timeout: 120_000 })
      .toBe("passed");
    for (const node of ["baremetal-qemu-control-plane", "baremetal-qemu-worker"]) {
      const tile = page.locator(`section[data-console="${node}"]`);
      await expect.poll(() => tile.locator("[data-verdict]").innerText()).toBe("passed");
      // The VM's own line, without the nix prefix or the driver's "<machine> # ".
      await expect.poll(() => consoleText(page, node)).toMatch(new RegExp(`^RESULT: PASS ${node} `, "m"));
    }
    expect(await consoleText(page, "harness")).toContain("vm-test-run-baremetal-iso-e2e> ");
    await page.close();
  });

  it("shows each of three guests' own kernel lines live, in a grid", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const run = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "fresh-smoke" });
    // The page's live stream is served by the path that encodes each live chunk once for all viewers.
    const followedBy: string[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/api/trpc/runs.follow")) followedBy.push(r.headers()["x-proofboard-follow"] ?? "tRPC");
    });
    await page.goto(`${stack.url}/runs/${run.id}`);
    // Live: guest bytes on screen while the run is still running.
    await waitUntil(
      "guest output while the run runs",
      async () => {
        const status = await page.getByTestId("run-status").getAttribute("data-status");
        return status === "running" && (await consoleText(page, "node01")).includes("[");
      },
      60_000,
      50,
    );
    for (const node of ["node01", "node02", "node03"]) {
      await expect.poll(() => consoleText(page, node), { timeout: 60_000 }).toContain(`UltraCloud guest ${node}`);
    }
    await expect
      .poll(() => page.getByTestId("run-status").getAttribute("data-status"), { timeout: 90_000 })
      .toBe("passed");
    expect(followedBy.length).toBeGreaterThan(0);
    expect(followedBy.every((by) => by === "shared")).toBe(true);
    for (const node of ["node01", "node02", "node03"]) {
      expect(await consoleText(page, node)).toContain(`RESULT: PASS ${node}`);
      // The kernel's own banner has scrolled out of view: find it as a person would.
      await page.locator(`[data-console="${node}"] header`).click();
      await page.getByLabel(`Search the ${node} console`).fill("Linux version");
      await page.getByLabel(`Search the ${node} console`).press("Enter");
      await expect.poll(() => consoleText(page, node)).toContain("Linux version");
    }
    await page.screenshot({ path: path.join(stack.dataDir, "run-three-vms.png"), fullPage: true });
    await page.close();
  });

  it("lets the operator who held the VMs type into them, while another viewer's terminal sends nothing", async () => {
    const operator = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const op = await operator.newPage();
    await op.goto(`${stack.url}/login?next=/runs`);
    await op.getByLabel("Name").fill("op");
    await op.getByLabel("Password").fill("operator-password");
    await op.getByRole("button", { name: "Log in" }).click();
    await op.waitForURL((u) => u.pathname === "/runs");

    const previous = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "fresh-smoke" });
    await op.goto(`${stack.url}/runs/${previous.id}`);
    await op.getByLabel("Hold minutes").fill("5");
    await op.getByRole("button", { name: "Rerun and hold VMs" }).click();
    await op.waitForURL((u) => !u.pathname.endsWith(previous.id) && /\/runs\/[0-9a-f-]{36}$/.test(u.pathname));
    const heldId = op.url().split("/").pop()!;
    await expect
      .poll(() => op.getByTestId("hold-banner").innerText(), { timeout: 90_000 })
      .toContain("type into a VM console");

    const viewer = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const ro = await viewer.newPage();
    const sentByViewer: Request[] = [];
    ro.on("request", (r) => {
      if (r.url().includes("runs.input")) sentByViewer.push(r);
    });
    await ro.goto(`${stack.url}/runs/${heldId}`);
    await expect.poll(() => ro.getByTestId("hold-banner").innerText()).toContain("read-only for you");

    await expect.poll(() => consoleText(op, "node01"), { timeout: 60_000 }).toContain("node01:");
    await op.locator('[data-console="node01"] .xterm').click();
    // The echo, and a cursor-position query whose automatic reply only the holder's terminal may send.
    await op.keyboard.type("echo held-$((6*7)); printf '\\033[6n'");
    await op.keyboard.press("Enter");
    await expect.poll(() => consoleText(op, "node01"), { timeout: 20_000 }).toContain("held-42");
    await expect.poll(() => consoleText(ro, "node01"), { timeout: 20_000 }).toContain("held-42");
    // The holder's Tab is the VM's (completion); Esc, then Tab leaves the console, as its hint says.
    const inNode01 = () => op.evaluate(() => !!document.activeElement?.closest('[data-console="node01"] .xterm'));
    await op.keyboard.press("Tab");
    expect(await inNode01()).toBe(true);
    expect(await op.locator('[data-console="node01"] [data-testid="terminal-hint"]').innerText()).toBe(
      "Esc, then Tab: leave the console",
    );
    await op.keyboard.press("Escape");
    await op.keyboard.press("Tab");
    expect(await inNode01()).toBe(false);
    await ro.locator('[data-console="node01"] .xterm').click();
    await ro.keyboard.type("echo from-viewer");
    await ro.keyboard.press("Enter");
    await ro.waitForTimeout(1500);
    expect(sentByViewer).toHaveLength(0);
    expect(await consoleText(op, "node01")).not.toContain("from-viewer");

    await op.getByRole("button", { name: "End hold now" }).click();
    // The reason goes with the status, so a run that did not pass says why in the test's failure.
    const verdict = async () => {
      const status = await op.getByTestId("run-status").getAttribute("data-status");
      const reason = await op.getByTestId("run-reason").allInnerTexts();
      return [status, ...reason].join(" · ");
    };
    await expect.poll(verdict, { timeout: 90_000 }).toBe("passed");
    await waitUntil("every VM of the run to be gone", async () => qemuCount() === 0, 15_000);
    await operator.close();
    await viewer.close();
  });
});
