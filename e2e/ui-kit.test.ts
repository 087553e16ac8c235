import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { operatorPage, startStack, waitUntil, type Stack } from "./support/stack";

/** The UI kit's confirm dialog (it replaced window.confirm) and form fields, in Chromium on the production build. */

let stack: Stack;
let browser: Browser;
let page: Page;

type Run = { id: string; status: string; attempt: number };

beforeAll(async () => {
  const target = makeRepo({
    // Long enough to be running for the whole first test; a second run is cut short by the stack's stop.
    "proofboard.yaml": catalogYaml([
      {
        name: "slow",
        command: ["bash", "-c", "for i in $(seq 1 240); do echo tick $i; sleep 0.5; done"],
        timeoutSeconds: 600,
      },
    ]),
  });
  stack = await startStack({ port: 3187, targetUrl: target.dir, targetName: "kit-target", name: "e2e_kit" });
  stack.addUser("ada", "admin-password", "admin");
  browser = await launchChromium();
  page = await operatorPage(browser, stack, { width: 1280, height: 800 });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const runsOfSlow = () => stack.query<Run[]>("runs.list", { branch: "main", lane: "slow" });
const focusedName = (p: Page) =>
  p.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent ?? "");

describe("AlertDialog in place of window.confirm", () => {
  it("asks before a second run of a running lane: focus trapped, Esc cancels, focus returns, confirm queues", async () => {
    const first = await stack.mutate<Run>("runs.rerun", { branch: "main", lane: "slow" });
    await waitUntil(
      "slow to run",
      async () => (await stack.query<Run>("runs.get", { id: first.id })).status === "running",
      60_000,
    );
    // A native confirm() would block the page; any dialog event means the old code path is back.
    let nativeDialogs = 0;
    page.on("dialog", (d) => {
      nativeDialogs++;
      void d.dismiss();
    });
    await page.goto(`${stack.url}/branches/main`);
    const rerun = page.locator('[data-lane="slow"]').getByRole("button", { name: "Rerun slow" });
    await rerun.click();

    const dialog = page.getByRole("alertdialog");
    await dialog.waitFor();
    expect(await dialog.getAttribute("aria-modal")).toBe("true");
    const title = await dialog.evaluate(
      (d) => document.getElementById(d.getAttribute("aria-labelledby") ?? "")?.textContent,
    );
    expect(title).toBe("Start a second slow run?");
    expect(await dialog.innerText()).toContain("slow is running on this commit");
    // Cancel first: the answer that changes nothing.
    expect(await focusedName(page)).toBe("Cancel");
    await page.screenshot({ path: path.join(stack.dataDir, "kit-alert-dialog.png") });

    // Tab cycles between the two buttons and never reaches the page behind.
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("Start second run");
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("Cancel");
    await page.keyboard.press("Shift+Tab");
    expect(await focusedName(page)).toBe("Start second run");

    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await focusedName(page)).toBe("Rerun slow");
    expect((await runsOfSlow()).length).toBe(1);

    // The Cancel button says no too.
    await rerun.click();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect((await runsOfSlow()).length).toBe(1);

    await rerun.click();
    await dialog.getByRole("button", { name: "Start second run" }).click();
    await dialog.waitFor({ state: "detached" });
    await waitUntil("the second run to be queued", async () => (await runsOfSlow()).length === 2);
    expect(nativeDialogs).toBe(0);
  });
});

describe("form fields from the kit", () => {
  it("the add-user form takes a name, a role from the select and a password", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies([
      { name: "pb_session", value: await stack.session("ada", "admin-password"), url: stack.url },
    ]);
    const admin = await context.newPage();
    await admin.goto(`${stack.url}/users`);
    const form = admin.getByRole("form", { name: "Add user" });
    await form.getByLabel("Name").fill("kit-person");
    await form.getByLabel("Role").selectOption("operator");
    await form.getByLabel("Password").fill("a good password");
    await form.getByRole("button", { name: "Add user" }).click();
    await expect
      .poll(() => admin.getByRole("status").filter({ hasText: "Added" }).innerText())
      .toBe("Added kit-person as operator: they can log in now.");
    await admin.screenshot({ path: path.join(stack.dataDir, "kit-users-form.png"), fullPage: true });
    await context.close();
  });
});
