import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { operatorPage, startStack, waitUntil, type Stack } from "./support/stack";

type RunRow = { id: string; status: string; attempt: number };

let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml(
      [
        { name: "fresh-smoke", command: ["bash", "-c", "sleep 1; echo fresh ok"] },
        { name: "guard", command: ["bash", "-c", "echo guard ok"] },
      ],
      ["fresh-smoke", "guard"],
    ),
  });
  stack = await startStack({ port: 3151, targetUrl: target.dir, targetName: "http-status-target", name: "e2e" });
  browser = await launchChromium();
  page = await operatorPage(browser, stack, { width: 1280, height: 800 });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function get(pathname: string) {
  const res = await fetch(`${stack.url}${pathname}`, { redirect: "manual" });
  const html = await res.text();
  return { status: res.status, html, title: html.match(/<title>([^<]*)<\/title>/)?.[1] ?? null };
}

async function runsOf(lane: string): Promise<RunRow[]> {
  return stack.query<RunRow[]>("runs.list", { branch: "main", lane });
}

describe("'Rerun missing' says what it queued", () => {
  it("lists the runs it queued, each a link to its run", async () => {
    await page.goto(`${stack.url}/branches/main`);
    await page.getByRole("button", { name: /^Rerun missing \(\d+\) in release$/ }).click();
    const notice = page.getByTestId("rerun-notice");
    await expect
      .poll(() => notice.innerText())
      .toMatch(/^Queued 2 runs on main: (fresh-smoke, guard|guard, fresh-smoke)/);
    expect(await notice.getAttribute("role")).toBe("status");
    for (const lane of ["fresh-smoke", "guard"]) {
      const run = (await runsOf(lane))[0]!;
      expect(await notice.getByRole("link", { name: lane, exact: true }).getAttribute("href")).toBe(`/runs/${run.id}`);
    }
  });
});

describe("HTTP says what happened", () => {
  it("answers 404 with what was not found and the way back, for unknown branches, runs and lanes", async () => {
    const cases = [
      {
        path: "/branches/no-such-branch",
        title: "Branch not found",
        text: "There is no branch named no-such-branch",
        back: "/",
      },
      {
        path: "/runs/00000000-0000-0000-0000-000000000000",
        title: "Run not found",
        text: "There is no run named 00000000-0000-0000-0000-000000000000",
        back: "/runs",
      },
      { path: "/runs/not-a-run", title: "Run not found", text: "There is no run named not-a-run", back: "/runs" },
      {
        path: "/lanes/no-such-lane",
        title: "Lane not found",
        text: "There is no lane named no-such-lane",
        back: "/lanes",
      },
      {
        path: "/history/no-such-branch",
        title: "Branch not found",
        text: "There is no branch named no-such-branch",
        back: "/",
      },
    ];
    for (const c of cases) {
      // The status as any HTTP client sees it, then the page as a person does.
      expect((await get(c.path)).status, c.path).toBe(404);
      const res = await page.goto(`${stack.url}${c.path}`);
      expect(res?.status(), c.path).toBe(404);
      const panel = page.getByTestId("not-found");
      await expect.poll(() => panel.innerText(), { timeout: 15_000 }).toContain(c.text);
      expect(await panel.getByRole("link").getAttribute("href"), c.path).toBe(c.back);
      await expect.poll(() => page.title()).toBe(`${c.title} · Proofboard`);
      if (c.path === "/branches/no-such-branch")
        await page.screenshot({ path: path.join(stack.dataDir, "http-status-404.png") });
    }
  });

  it("answers 400 for a name no branch can have, and never leaves a page loading", async () => {
    for (const bad of [
      "/branches/main%00x",
      "/branches/main%1bx",
      "/runs/a%00b",
      "/lanes/x%00",
      `/branches/${"a".repeat(10_000)}`,
      // escapes that spell nothing: Next's router answered these with a bare 500
      "/branches/%zz",
      "/branches/%ff%fe",
      "/branches/%C0%AE%C0%AE",
      "/branches/%",
      "/runs/%zz",
      "/lanes/%zz",
      "/history/%zz",
      // a filter the API refuses is refused by the page too, in words, not as the API's issue list
      "/runs?status=bogus",
      "/?q=%00",
    ]) {
      const res = await get(bad);
      expect(res.status, bad).toBe(400);
      expect(res.title, bad).toBe("Bad request · Proofboard");
      expect(res.html, bad).toContain('href="/"');
    }
    expect((await get("/runs?status=bogus")).html).toContain(
      "The status filter takes failed, active, stopped, waiting, queued, running, passed, timed_out, unsupported, canceled, lost, error, skipped, or several of them comma-separated; &#34;bogus&#34; is none of them.",
    );
    // A program's addresses (downloads, badges) get a plain line, not a page.
    for (const bad of ["/badges/%zz.svg", "/api/runs/%zz/consoles/node01/raw", "/api/runs/x/consoles/%zz/raw"]) {
      const res = await fetch(`${stack.url}${bad}`);
      expect([res.status, res.headers.get("content-type")], bad).toEqual([400, "text/plain; charset=utf-8"]);
      expect(await res.text(), bad).toMatch(/^The address holds a malformed escape/);
    }
    // A name with a real % in it (written %25) is a name, not a malformed escape.
    expect((await get("/branches/100%25")).status).toBe(404);
    // The API says the same to any client that asks directly.
    const api = await fetch(
      `${stack.url}/api/trpc/branches.get?input=${encodeURIComponent(JSON.stringify({ name: "main\u0000x" }))}`,
    );
    expect(api.status).toBe(400);
  });

  it("still renders pages that are found, titled by what they show, with the favicon", async () => {
    const branch = await get("/branches/main");
    expect(branch.status).toBe(200);
    expect(branch.title).toBe("main · Proofboard");
    expect((await get("/")).title).toBe("Readiness · Proofboard");
    const firstRun = (await runsOf("fresh-smoke")).find((r) => r.attempt === 1)!;
    const run = await get(`/runs/${firstRun.id}`);
    expect(run.status).toBe(200);
    expect(run.title).toBe("fresh-smoke run #1 · Proofboard");
    const lane = await get("/lanes/fresh-smoke");
    expect(lane.status).toBe(200);
    expect(lane.title).toBe("Lane · fresh-smoke · Proofboard");

    const icon = branch.html.match(/<link rel="icon" href="([^"]+)"/)?.[1];
    expect(icon).toMatch(/^\/icon\.svg/);
    const res = await fetch(`${stack.url}${icon}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("image/svg+xml");
    expect(await res.text()).toContain("<svg");
  });
});

describe("after Rerun, the run is one click away", () => {
  it("Rerun turns the row into the live run, highlighted, and a notice links to it", async () => {
    // A running lane asks for confirmation first; this test is about what follows a plain Rerun.
    await waitUntil(
      "the first fresh-smoke run to finish",
      async () => (await runsOf("fresh-smoke"))[0]?.status === "passed",
      60_000,
    );
    await page.goto(`${stack.url}/branches/main`);
    const row = page.locator('[data-lane="fresh-smoke"]');
    await row.getByRole("button", { name: "Rerun fresh-smoke" }).click();
    const notice = page.getByTestId("rerun-notice");
    await expect.poll(() => notice.innerText()).toContain("Queued fresh-smoke on main — watch it");
    const rerun = (await runsOf("fresh-smoke")).find((r) => r.attempt === 2)!;
    expect(rerun).toBeTruthy();
    const watch = notice.getByRole("link", { name: "watch it" });
    expect(await watch.getAttribute("href")).toBe(`/runs/${rerun.id}`);
    const highlighted = row.locator("a[data-just-queued]");
    expect(await highlighted.getAttribute("href")).toBe(`/runs/${rerun.id}`);
    await page.screenshot({ path: path.join(stack.dataDir, "http-status-rerun.png") });

    await watch.click();
    await page.waitForURL(`${stack.url}/runs/${rerun.id}`);
    await expect.poll(() => page.title()).toBe("fresh-smoke run #2 · Proofboard");
  });
});
