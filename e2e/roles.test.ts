import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { startStack, type Stack } from "./support/stack";

/** Roles in the browser: what a viewer, an admin and nobody may do, and API tokens made on /account. */
let stack: Stack;
let browser: Browser;
const VIEWPORT = { width: 1366, height: 900 };

beforeAll(async () => {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([{ name: "guard", command: ["bash", "-c", "echo guard ok"] }]),
  });
  stack = await startStack({ port: 3141, targetUrl: target.dir, targetName: "roles-target", name: "e2e" });
  stack.addUser("vera", "viewer-password", "viewer");
  stack.addUser("ada", "admin-password", "admin");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function logIn(name: string, password: string, next: string, context?: BrowserContext): Promise<Page> {
  const page = await (context ?? (await browser.newContext({ viewport: VIEWPORT }))).newPage();
  await page.goto(`${stack.url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => u.pathname === next);
  return page;
}

const rerunGuard = (page: Page) => page.locator('[data-lane="guard"]').getByRole("button", { name: "Rerun guard" });
const shot = (page: Page, file: string) => page.screenshot({ path: path.join(stack.dataDir, file), fullPage: true });

/** The token made on /account, used again once vera is an operator. */
let readToken = "";
let viewerPage: Page;

describe("roles and API tokens in the browser", () => {
  it("anonymous: Rerun is greyed out with the reason, and Log in is offered", async () => {
    const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    await page.goto(`${stack.url}/branches/main`);
    await rerunGuard(page).waitFor();
    expect(await rerunGuard(page).isDisabled()).toBe(true);
    expect(await rerunGuard(page).getAttribute("title")).toContain("log in as an operator");
    expect(await page.getByRole("link", { name: "Log in", exact: true }).isVisible()).toBe(true);
    await page.goto(`${stack.url}/account`);
    expect(await page.locator("main").getByRole("link", { name: "log in" }).getAttribute("href")).toBe(
      "/login?next=/account",
    );
    await page.context().close();
  });

  it("viewer: Rerun greyed out, /users refused, a read token shown once and then listed by prefix, refused by runs.rerun", async () => {
    const page = await logIn("vera", "viewer-password", "/branches/main");
    viewerPage = page;
    await rerunGuard(page).waitFor();
    expect(await rerunGuard(page).isDisabled()).toBe(true);
    expect(await rerunGuard(page).getAttribute("title")).toBe("vera is a viewer: an operator or admin can do this");
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);

    await page.goto(`${stack.url}/users`);
    await expect.poll(() => page.locator("main").innerText()).toContain("Users and roles are for admins");

    await page.getByRole("link", { name: "vera (viewer)" }).click();
    await page.waitForURL((u) => u.pathname === "/account");
    await expect.poll(() => page.getByTestId("who").innerText()).toContain("viewer");
    await expect.poll(() => page.title()).toBe("Account · Proofboard");
    const form = page.getByRole("form", { name: "New token" });
    expect(
      await form
        .getByLabel("Scope")
        .locator("option")
        .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)),
    ).toEqual(["read"]);
    await form.getByLabel("Name").fill("ci reader");
    await form.getByRole("button", { name: "Make token" }).click();
    const box = page.getByLabel("New API token");
    await box.waitFor();
    readToken = await box.inputValue();
    expect(readToken).toMatch(/^pb_[A-Za-z0-9_-]{43}$/);
    expect(await page.getByTestId("new-token").innerText()).toContain("Shown only now: store it");
    await page.getByRole("button", { name: "Copy" }).click();
    await expect.poll(() => page.getByTestId("new-token").getByRole("button", { name: "Copied" }).count()).toBe(1);
    const row = page.locator(`[data-testid="tokens"] tr[data-token="${readToken.slice(0, 10)}"]`);
    await expect.poll(() => row.innerText()).toMatch(/ci reader\s+pb_\S{7}…\s+read\s+active/);
    await shot(page, "account-viewer.png");

    // Shown once: after a reload only the prefix is left.
    await page.reload();
    await row.waitFor();
    expect(await page.getByTestId("new-token").count()).toBe(0);
    expect(await page.locator("body").innerText()).not.toContain(readToken);

    const res = await fetch(`${stack.url}/api/trpc/runs.rerun`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${readToken}` },
      body: JSON.stringify({ branch: "main", lane: "guard" }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      "vera (viewer, with a read token)",
    );
  });

  it("admin: /users lists people, promotes the viewer, who after logging in again may rerun", async () => {
    const admin = await logIn("ada", "admin-password", "/users");
    await expect.poll(() => admin.title()).toBe("Users · Proofboard");
    const table = admin.getByTestId("users-table");
    await expect
      .poll(() => table.locator("tr[data-user]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-user"))))
      .toEqual(["ada", "e2e-operator", "vera"]);
    await expect
      .poll(() =>
        admin
          .getByTestId("all-tokens")
          .locator(`tr[data-token="${readToken.slice(0, 10)}"]`)
          .innerText(),
      )
      .toMatch(/^vera\s+ci reader/);
    await admin.getByLabel("Role of vera").selectOption("operator");
    expect(await admin.locator('tr[data-user="vera"]').innerText()).toContain("ends vera's sessions");
    await shot(admin, "users-confirm.png");
    await admin.getByRole("button", { name: "Make vera operator" }).click();
    await expect.poll(() => admin.getByRole("button", { name: "Make vera operator" }).count()).toBe(0);
    expect(await admin.getByLabel("Role of vera").inputValue()).toBe("operator");
    await admin.reload();
    await expect.poll(() => admin.getByLabel("Role of vera").inputValue()).toBe("operator");
    await shot(admin, "users-admin.png");

    // The role change ended vera's session: her open page is logged out on the next load.
    await viewerPage.goto(`${stack.url}/branches/main`);
    await rerunGuard(viewerPage).waitFor();
    await expect.poll(() => viewerPage.getByRole("link", { name: "Log in", exact: true }).count()).toBe(1);
    expect(await rerunGuard(viewerPage).isDisabled()).toBe(true);

    const operator = await logIn("vera", "viewer-password", "/branches/main", viewerPage.context());
    await expect.poll(() => rerunGuard(operator).isEnabled()).toBe(true);
    expect(await rerunGuard(operator).getAttribute("title")).toBe("queue guard again on the head commit");
    await rerunGuard(operator).click();
    await expect
      .poll(async () => {
        const runs = await stack.query<{ lane: string; requestedBy: string }[]>("runs.list", {
          branch: "main",
          lane: "guard",
        });
        return runs.map((r) => `${r.lane} by ${r.requestedBy}`);
      })
      .toEqual(["guard by vera"]);
    await expect
      .poll(() => operator.locator('[data-lane="guard"] a[href^="/runs/"]').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
  });
});
