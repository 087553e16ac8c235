import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { STACK_OPERATOR, startStack, waitUntil, type Stack } from "./support/stack";

/**
 * Pages arrive with their data: the HTML the server sends already says how each branch and run
 * stands (no "Loading…" to wait through), while the access rules hold on that server path too.
 */
const PORT = 3175;
/** A second web process on the same database with PROOFBOARD_READ_ACCESS=login. */
const LOGIN_PORT = 3176;
/** Only someone who may read should ever see this commit subject. */
const SUBJECT = "ssr-marker: a subject only readers may see";
/** A legal git branch name that would run script if the data embedded in the HTML were not escaped. */
const HOSTILE = "x</script><svg/onload=alert(1)>";

let stack: Stack;
let browser: Browser;
let loginWeb: ChildProcess | undefined;
let loginUrl = "";
let runId = "";
let headSha = "";

beforeAll(async () => {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml(
      [
        { name: "guard", command: ["bash", "-c", "echo guard ok"] },
        { name: "slow", command: ["bash", "-c", "sleep 6; echo slow ok"] },
      ],
      ["guard"],
    ),
  });
  headSha = target.commit({ "README.md": "server-rendered pages\n" }, SUBJECT);
  target.git("branch", HOSTILE);
  stack = await startStack({ port: PORT, targetUrl: target.dir, targetName: "ssr-target", name: "e2e_ssr" });
  runId = (await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "guard" })).id;
  await waitUntil(
    "guard to pass",
    async () => (await stack.query<{ status: string }>("runs.get", { id: runId })).status === "passed",
    60_000,
    200,
  );

  loginUrl = `http://127.0.0.1:${LOGIN_PORT}`;
  loginWeb = spawn(
    process.execPath,
    [
      path.resolve(import.meta.dirname, "../apps/web/node_modules/next/dist/bin/next"),
      "start",
      "-p",
      String(LOGIN_PORT),
    ],
    {
      cwd: path.resolve(import.meta.dirname, "../apps/web"),
      env: { ...stack.env, PORT: String(LOGIN_PORT), PROOFBOARD_READ_ACCESS: "login" },
      detached: true,
      stdio: [
        "ignore",
        openSync(path.join(stack.dataDir, "web-login.log"), "a"),
        openSync(path.join(stack.dataDir, "web-login.log"), "a"),
      ],
    },
  );
  await waitUntil(
    "the login-only web app to answer",
    async () => (await fetch(`${loginUrl}/api/health`).catch(() => null))?.ok ?? false,
    60_000,
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (loginWeb?.pid && loginWeb.exitCode === null) {
    const exited = new Promise((r) => loginWeb!.once("exit", r));
    process.kill(-loginWeb.pid, "SIGTERM");
    await exited;
  }
  await stack?.stop();
});

/** The page's HTML as the server sends it: no script has run, nothing was fetched after it. */
async function html(base: string, pathname: string, cookie?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${pathname}`, { headers: cookie ? { cookie: `pb_session=${cookie}` } : {} });
  return { status: res.status, body: await res.text() };
}

/** The state the run page's badge was rendered with (its data-status), or null when the HTML has no badge. */
function runStatus(body: string): string | null {
  const tag = body.match(/<[a-z]+\s[^>]*data-testid="run-status"[^>]*>/)?.[0];
  return tag?.match(/data-status="([^"]+)"/)?.[1] ?? null;
}

/** The verdict rendered in the branch row of the overview (data-ready="true"/"false"), or null. */
function overviewVerdict(body: string, branch: string): string | null {
  return (
    body.match(
      new RegExp(
        `<tr[^>]*data-branch="${branch}"[\\s\\S]*?data-testid="verdict" data-ready="(true|false)"[^>]*>[\\s\\S]*?(NOT READY|READY)<`,
      ),
    )?.[2] ?? null
  );
}

describe("the first HTML holds the page's data", () => {
  it("overview, branch and run pages: readiness and verdict in the raw HTML, no loading placeholder", async () => {
    const overview = await html(stack.url, "/");
    expect(overview.status).toBe(200);
    expect(overviewVerdict(overview.body, "main")).toBe("READY");
    expect(overview.body).not.toContain("Loading branches");

    const branch = await html(stack.url, "/branches/main");
    expect(branch.status).toBe(200);
    expect(branch.body).toMatch(/data-testid="verdict" data-ready="true"[^>]*>[\s\S]*?READY</);
    expect(branch.body).toContain(SUBJECT);
    expect(branch.body).toMatch(/data-lane="guard"/);
    expect(branch.body).not.toContain("Loading the branch");

    const run = await html(stack.url, `/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(runStatus(run.body)).toBe("passed");
    expect(run.body).toContain(headSha.slice(0, 7));
    expect(run.body).not.toContain("Loading run");
  });

  it("runs, lanes, lane history, branch history and hosts arrive with their data too", async () => {
    const pages = [
      { path: "/runs", has: `href="/runs/${runId}"`, not: "Loading runs" },
      { path: "/lanes", has: "guard", not: "Loading the catalog" },
      { path: "/lanes/guard", has: `href="/runs/${runId}"`, not: "Loading the lane" },
      { path: "/history/main", has: headSha.slice(0, 7), not: "Loading the branch history" },
      { path: "/hosts", has: "<tbody", not: "Loading hosts" },
    ];
    for (const p of pages) {
      const page = await html(stack.url, p.path);
      expect(page.status, p.path).toBe(200);
      expect(page.body, p.path).toContain(p.has);
      expect(page.body, p.path).not.toContain(p.not);
    }
    // A heartbeat's age in seconds (the worker beats every second here): "just now" would hide a worker going quiet.
    expect((await html(stack.url, "/hosts")).body).toMatch(/<time[^>]*>\d{1,2}s ago<\/time>/);
    // The lane page says what each run's consoles hold ("guard ok" and its newline, at least).
    const lane = await html(stack.url, "/lanes/guard");
    expect(lane.body).toMatch(/data-console-bytes="[1-9]\d*"[^>]*>\d+ B</);
  });

  it("with JavaScript disabled a browser still shows the verdict and the run's state", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${stack.url}/branches/main`);
    expect(await page.getByTestId("verdict").first().innerText()).toContain("READY");
    await page.screenshot({ path: path.join(stack.dataDir, "ssr-branch-nojs.png"), fullPage: true });
    await page.goto(`${stack.url}/runs/${runId}`);
    expect(await page.getByTestId("run-status").getAttribute("data-status")).toBe("passed");
    await page.goto(`${stack.url}/`);
    expect(await page.locator('tr[data-branch="main"]').getByTestId("verdict").innerText()).toContain("READY");
    await context.close();
  });

  it("hydrates without a mismatch, and a running run still updates live after it", async () => {
    const { id } = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "slow" });
    await waitUntil(
      "slow to start",
      async () => (await stack.query<{ status: string }>("runs.get", { id })).status === "running",
      30_000,
      100,
    );
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([
      { name: "pb_session", value: await stack.session(STACK_OPERATOR.name, STACK_OPERATOR.password), url: stack.url },
    ]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error" || /hydrat/i.test(m.text())) problems.push(m.text());
    });
    const res = await page.goto(`${stack.url}/runs/${id}`);
    // The server said "running" before any script ran, and the operator's Cancel was already live in that HTML.
    const first = await res!.text();
    expect(runStatus(first)).toBe("running");
    const cancel = first.match(/<button[^>]*aria-label="Cancel slow"[^>]*>/)?.[0];
    expect(cancel).toBeTruthy();
    expect(cancel).not.toMatch(/\sdisabled=""/);
    await expect
      .poll(() => page.getByTestId("run-status").getAttribute("data-status"), { timeout: 30_000 })
      .toBe("passed");
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("data in the HTML stays data", () => {
  it("a branch named like markup is escaped in the rendered rows and in the embedded cache, and runs nothing", async () => {
    const href = `/branches/${HOSTILE.split("/").map(encodeURIComponent).join("/")}`;
    for (const p of ["/", href]) {
      const page = await html(stack.url, p);
      expect(page.status, p).toBe(200);
      expect(page.body, p).not.toContain("<svg/onload");
      expect(page.body, p).not.toContain(HOSTILE);
    }
    // A filter no branch name can hold (a NUL) is a 400 that says why, before any page or query runs.
    const nul = await html(stack.url, "/?q=main%00x");
    expect(nul.status).toBe(400);
    expect(nul.body).toContain("The address holds a control character");
    expect(nul.body).not.toContain('data-branch="main"');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${stack.url}/`);
    expect(
      await page.locator("tr[data-branch]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-branch"))),
    ).toContain(HOSTILE);
    await page.goto(`${stack.url}${href}`);
    await page.getByTestId("verdict").first().waitFor();
    expect(await page.locator("svg[onload]").count()).toBe(0);
    expect(dialogs).toEqual([]);
    await context.close();
  });
});

describe("PROOFBOARD_READ_ACCESS=login on the server path", () => {
  it("an anonymous visitor's HTML holds no data, and the page still says how to get in", async () => {
    for (const p of [
      "/",
      "/branches/main",
      `/runs/${runId}`,
      "/runs",
      "/lanes",
      "/lanes/guard",
      "/history/main",
      "/hosts",
    ]) {
      const page = await html(loginUrl, p);
      expect(page.status, p).toBe(200);
      expect(page.body, p).not.toContain(SUBJECT);
      expect(page.body, p).not.toContain(headSha.slice(0, 7));
      expect(page.body, p).not.toContain('data-testid="verdict"');
      expect(page.body, p).not.toContain('data-testid="run-status"');
      expect(page.body, p).not.toContain(`/runs/${runId}"`);
    }
    // A session cookie that does not count reads nothing either.
    const forged = await html(loginUrl, "/branches/main", "not-a-session");
    expect(forged.body).not.toContain(SUBJECT);

    // The server's refusal is not an error page: the browser asks, is refused, and offers the login.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${loginUrl}/branches/main`);
    await expect.poll(() => page.locator("main").innerText(), { timeout: 15_000 }).toContain("needs a login");
    expect(await page.locator("main").getByRole("link", { name: "Log in" }).getAttribute("href")).toBe(
      "/login?next=%2Fbranches%2Fmain",
    );
    await context.close();
  });

  it("the same pages with a logged-in user's cookie arrive with their data", async () => {
    const cookie = await stack.session(STACK_OPERATOR.name, STACK_OPERATOR.password);
    const branch = await html(loginUrl, "/branches/main", cookie);
    expect(branch.body).toContain(SUBJECT);
    expect(branch.body).toMatch(/data-testid="verdict" data-ready="true"/);
    expect(overviewVerdict((await html(loginUrl, "/", cookie)).body, "main")).toBe("READY");
    expect(runStatus((await html(loginUrl, `/runs/${runId}`, cookie)).body)).toBe("passed");
  });
});
