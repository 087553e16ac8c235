import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { startStack, waitUntil, type Stack } from "./support/stack";

/** Reads as "rtl-exe.png" wherever the override is interpreted. */
const SPOOFED_BRANCH = "rtl-\u202Egnp.exe";
/** A zero-width space and the start of an ANSI colour sequence. */
const HOSTILE_SUBJECT = "fix\u200Bed \u001b[31mred";

let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([{ name: "guard", command: ["bash", "-c", "echo guard ok"] }], ["guard"]),
  });
  target.commit({ README: "spoof\n" }, HOSTILE_SUBJECT);
  target.git("update-ref", `refs/heads/${SPOOFED_BRANCH}`, "HEAD");
  stack = await startStack({ port: 3131, targetUrl: target.dir, targetName: "invisible-target", name: "e2e" });
  await waitUntil("the spoofed branch to be synced", async () => {
    const list = await stack.query<{ branches: { name: string }[] }>("branches.list");
    return list.branches.some((b) => b.name === SPOOFED_BRANCH);
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** What must never reach the page as text (innerText itself separates cells and lines with tabs and newlines). */
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

describe("invisible and bidi characters in names and subjects", () => {
  it("shows them as escapes on the overview and the branch page, never interpreted", async () => {
    await page.goto(stack.url);
    const row = page.locator(`tr[data-branch="${SPOOFED_BRANCH}"]`);
    await row.waitFor();
    const link = row.getByRole("link").first();
    expect(await link.innerText()).toBe("rtl-⟨U+202E⟩gnp.exe");
    expect(await link.getAttribute("title")).toBe("rtl-⟨U+202E⟩gnp.exe");
    expect(await link.getAttribute("href")).toBe(`/branches/${encodeURIComponent(SPOOFED_BRANCH)}`);
    const rowText = await row.innerText();
    expect(rowText).toContain("fix⟨U+200B⟩ed ⟨U+001B⟩[31mred");
    expect(rowText).not.toMatch(INVISIBLE);
    expect(await page.locator("body").innerText()).not.toContain("exe.png");
    await page.screenshot({ path: path.join(stack.dataDir, "invisible-overview.png") });

    await link.click();
    await page.waitForURL(/\/branches\/rtl-/);
    await expect.poll(() => page.locator("h1").innerText()).toBe("rtl-⟨U+202E⟩gnp.exe");
    await expect.poll(() => page.title()).toBe("rtl-⟨U+202E⟩gnp.exe · Proofboard");
    expect(await page.locator("h1 [data-code-point]").innerText()).toBe("⟨U+202E⟩");
    expect(await page.locator("body").innerText()).toContain("fix⟨U+200B⟩ed ⟨U+001B⟩[31mred");
    await page.screenshot({ path: path.join(stack.dataDir, "invisible-branch.png") });
  });
});
