import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockingViolations, formatViolations } from "./support/axe";
import { launchChromium } from "./support/browser";
import { startSampleStack, type SampleStack } from "./support/sample-stack";

/**
 * Every page for every person: axe-core finds no serious or critical violation, a phone (390 px)
 * never scrolls sideways and reaches every action, and the keyboard gets out of a console.
 */
let sample: SampleStack;
let browser: Browser;
let admin: BrowserContext;
let phone: BrowserContext;

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

beforeAll(async () => {
  sample = await startSampleStack(3161, "e2e_a11y");
  browser = await launchChromium();
  const cookie = await sample.stack.session(sample.admin.name, sample.admin.password);
  const logIn = async (viewport: typeof PHONE) => {
    const context = await browser.newContext({ viewport });
    await context.addCookies([{ name: "pb_session", value: cookie, url: sample.stack.url }]);
    return context;
  };
  admin = await logIn(DESKTOP);
  phone = await logIn(PHONE);
}, 480_000);

afterAll(async () => {
  await browser?.close();
  await sample?.stack.stop();
});

/** Where each page is, and what on it says its data has arrived. */
function pages(): { name: string; path: string; ready: string; anonymous?: boolean }[] {
  const run = `/runs/${sample.consoleRunId}`;
  return [
    { name: "overview", path: "/", ready: 'tr[data-branch="main"]' },
    { name: "branch", path: "/branches/main", ready: '[data-lane="guard"]' },
    { name: "run (grid of consoles)", path: run, ready: '[data-console="node01"] .xterm-rows' },
    { name: "run (tabs)", path: `${run}?console=harness`, ready: '[data-console="harness"] .xterm-rows' },
    { name: "runs", path: "/runs", ready: "main table tbody tr" },
    { name: "lanes", path: "/lanes", ready: "main table tbody tr" },
    { name: "lane", path: "/lanes/smoke", ready: "main table tbody tr" },
    { name: "hosts", path: "/hosts", ready: "main table tbody tr" },
    { name: "history", path: "/history/main", ready: '[data-testid="history-grid"] tbody tr' },
    { name: "account", path: "/account", ready: '[data-testid="who"]' },
    { name: "users (admin)", path: "/users", ready: '[data-testid="users-table"] tbody tr' },
    { name: "audit (admin)", path: "/audit", ready: '[data-testid="audit-table"] tbody tr' },
    { name: "not found", path: "/branches/no-such-branch", ready: '[data-testid="not-found"]' },
    { name: "login", path: "/login", ready: 'input[name="username"]', anonymous: true },
  ];
}

async function open(context: BrowserContext, target: string, ready: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${sample.stack.url}${target}`);
  await page.locator(ready).first().waitFor({ timeout: 30_000 });
  // Live regions and fonts settle; axe judges what a person sees, not a half-drawn frame.
  await page.waitForTimeout(300);
  return page;
}

const shot = (page: Page, file: string) =>
  page.screenshot({ path: path.join(sample.stack.dataDir, file), fullPage: true });

/** How wide the page is against the screen: wider means it scrolls sideways. */
const fits = (page: Page) =>
  page.evaluate(() => {
    const root = document.scrollingElement!;
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
  });

describe("accessibility of every page", () => {
  // One visit per page and width (each costs seconds on a busy 2-core machine): axe, and on the phone its width too.
  it("has no serious or critical axe-core violation on any page, on a desktop and on a phone, where none scrolls sideways", async () => {
    const reports: string[] = [];
    const sideways: string[] = [];
    for (const viewport of [DESKTOP, PHONE]) {
      const context = viewport === DESKTOP ? admin : phone;
      for (const p of pages()) {
        const page = await open(p.anonymous ? await browser.newContext({ viewport }) : context, p.path, p.ready);
        const violations = await blockingViolations(page);
        if (violations.length > 0)
          reports.push(formatViolations(`${p.name} at ${viewport.width} px (${p.path})`, violations));
        if (viewport === PHONE) {
          const { scrollWidth, clientWidth } = await fits(page);
          if (scrollWidth > clientWidth)
            sideways.push(`${p.name} (${p.path}) is ${scrollWidth} px wide on a ${clientWidth} px screen`);
        }
        await page.close();
      }
    }
    if (reports.length > 0) console.error(reports.join("\n\n"));
    expect(reports, reports.join("\n\n")).toEqual([]);
    expect(sideways).toEqual([]);
  });
});

describe("a phone, 390 px wide", () => {
  it("shows every Rerun button of the branch page and the run page inside the screen", async () => {
    const inside = async (page: Page, name: RegExp) => {
      const buttons = page.getByRole("button", { name });
      const count = await buttons.count();
      expect(count, `buttons named ${name} on ${page.url()}`).toBeGreaterThan(0);
      for (let i = 0; i < count; i++) {
        const box = (await buttons.nth(i).boundingBox())!;
        const label = (await buttons.nth(i).getAttribute("aria-label")) ?? (await buttons.nth(i).innerText());
        expect(box.x, `${label} starts left of the screen`).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, `${label} ends right of the screen`).toBeLessThanOrEqual(PHONE.width);
      }
      return count;
    };
    const branch = await open(phone, "/branches/main", '[data-lane="guard"]');
    // One per lane, each gate's "Rerun missing" and "Rerun everything missing".
    expect(await inside(branch, /^Rerun /)).toBeGreaterThanOrEqual(6);
    // A lane's title (the cluster's is long) stays inside its cell: it ran under the Rerun button.
    for (const lane of ["guard", "cluster"]) {
      const row = branch.locator(`[data-lane="${lane}"]`);
      const title = (await row.getByTestId("lane-title").boundingBox())!;
      const rerun = (await row.getByRole("button", { name: `Rerun ${lane}` }).boundingBox())!;
      expect(title.width, `${lane}'s title is drawn`).toBeGreaterThan(0);
      expect(title.x + title.width, `${lane}'s title runs under its Rerun button`).toBeLessThanOrEqual(rerun.x);
    }
    await shot(branch, "branch-390.png");
    await branch.close();

    // The overview's gate names label each gate's line in full (they were cut to "Canonica…").
    const overview = await open(phone, "/", 'tr[data-branch="main"]');
    const labels = await overview.locator('tr[data-branch="main"] td[data-label]').evaluateAll((cells) =>
      cells.map((cell) => {
        const before = getComputedStyle(cell, "::before");
        return {
          label: cell.getAttribute("data-label"),
          cut: before.textOverflow === "ellipsis" || before.whiteSpace === "nowrap",
        };
      }),
    );
    expect(labels.length).toBeGreaterThan(1);
    expect(labels.filter((l) => l.cut)).toEqual([]);
    await overview.close();

    const run = await open(phone, `/runs/${sample.consoleRunId}`, '[data-console="node01"] .xterm-rows');
    expect(await inside(run, /^Rerun /)).toBe(2);
    for (const name of ["Tabs", /^Grid/, "Link to selected line"]) {
      const box = (await run.getByRole("button", { name }).boundingBox())!;
      expect(box.x + box.width, `${String(name)} ends right of the screen`).toBeLessThanOrEqual(PHONE.width);
    }
    for (const link of await run.getByRole("link", { name: /raw/ }).all()) {
      const box = (await link.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    await shot(run, "run-390.png");
    await run.close();
  });
});

describe("the keyboard in a console", () => {
  /** true when focus is on or in any console's terminal, box included */
  const inTerminal = (page: Page) => page.evaluate(() => !!document.activeElement?.closest(".xterm"));
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = document.activeElement;
      return {
        testid: el?.getAttribute("data-testid") ?? null,
        tag: el?.tagName ?? null,
        text: el instanceof HTMLElement ? el.innerText.slice(0, 40) : "",
      };
    });

  it("leaves a read-only terminal with Esc then Tab, with Tab, and with Shift+Tab", async () => {
    const page = await open(
      admin,
      `/runs/${sample.consoleRunId}?console=harness`,
      '[data-console="harness"] .xterm-rows',
    );
    const terminal = page.locator('[data-console="harness"] .xterm');
    const box = page.locator('[data-console="harness"] [data-testid="console-terminal"]');

    await terminal.click();
    expect(await inTerminal(page)).toBe(true);
    await page.keyboard.press("Escape");
    // Esc: the terminal's box has focus, outlined, and says how to go back in.
    expect(await focused(page)).toMatchObject({ testid: "console-terminal" });
    expect(await box.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("solid");
    expect(await page.locator('[data-console="harness"] [data-testid="terminal-hint"]').innerText()).toContain(
      "Enter: back into the console",
    );
    await page.keyboard.press("Tab");
    expect(await inTerminal(page)).toBe(false);
    expect((await focused(page)).testid).not.toBe("console-terminal");

    // Enter on the box goes back into the terminal.
    await terminal.click();
    await page.keyboard.press("Escape");
    await page.keyboard.press("Enter");
    expect(await inTerminal(page)).toBe(true);

    await page.keyboard.press("Tab");
    expect(await inTerminal(page)).toBe(false);
    await terminal.click();
    await page.keyboard.press("Shift+Tab");
    expect(await inTerminal(page)).toBe(false);
    expect((await focused(page)).testid).not.toBe("console-terminal");
    await page.close();
  });
});
