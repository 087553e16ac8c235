import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { operatorPage, startStack, waitUntil, type Stack } from "./support/stack";

/**
 * The readiness recorder in a started web process: a run that ends shows up in the timeline
 * within seconds (the web's periodic loop), on the branch page, as a badge and in /api/v1/readiness.
 */
type Change = { gate: string | null; ready: boolean; initial: boolean; runId: string | null; at: string };
type Timeline = { changes: Change[]; more: boolean };

const HOSTILE = `e2e/"><script>alert(1)</script>`;
const shots = path.resolve(import.meta.dirname, "../.proofboard/timeline-shot");
let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "smoke", command: ["bash", "-c", "sleep 1; echo smoke ok"] },
      { name: "guard", command: ["bash", "-c", "echo guard ok"] },
    ]),
  });
  target.git("update-ref", `refs/heads/${HOSTILE}`, "HEAD");
  stack = await startStack({ port: 3193, targetUrl: target.dir, targetName: "timeline-target", name: "e2e_timeline" });
  browser = await launchChromium();
  page = await operatorPage(browser, stack, { width: 1280, height: 900 });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const timeline = (branch: string) => stack.query<Timeline>("readiness.timeline", { branch });

describe("the readiness timeline of a started stack", () => {
  it("starts every branch NOT READY, then records READY within seconds of the last run ending", async () => {
    await waitUntil("the first verdicts", async () => (await timeline("main")).changes.length > 0, 30_000);
    expect((await timeline("main")).changes.map((c) => [c.gate, c.ready, c.initial])).toEqual([
      [null, false, true],
      ["release", false, true],
    ]);
    await stack.mutate("runs.rerunMissing", { branch: "main" });
    type Run = { id: string; status: string; finishedAt: string | null };
    let last: Run | undefined;
    await waitUntil(
      "both lanes to pass",
      async () => {
        const runs = await stack.query<Run[]>("runs.list", { branch: "main" });
        last = runs.sort((a, b) => (a.finishedAt ?? "").localeCompare(b.finishedAt ?? "")).at(-1);
        return runs.length === 2 && runs.every((r) => r.status === "passed");
      },
      120_000,
    );
    const ended = Date.now();
    await waitUntil("the READY row", async () => (await timeline("main")).changes[0]?.ready === true, 15_000);
    // the web's loop passes every 2 s; allow for a busy machine
    expect(Date.now() - ended).toBeLessThan(10_000);
    const [branchRow, gateRow] = (await timeline("main")).changes;
    expect(branchRow).toMatchObject({ gate: null, ready: true, initial: false, runId: last!.id });
    expect(gateRow).toMatchObject({ gate: "release", ready: true, initial: false, runId: last!.id });
  });

  it("shows the timeline on the branch page", async () => {
    await page.goto(`${stack.url}/branches/main`);
    const section = page.getByTestId("readiness-timeline");
    await expect.poll(() => section.getByTestId("timeline-row").count(), { timeout: 15_000 }).toBe(4);
    const first = section.getByTestId("timeline-row").first();
    expect(await first.innerText()).toMatch(/release-ready\s+READY/);
    expect(await first.getByRole("link").getAttribute("href")).toMatch(/^\/runs\/[0-9a-f-]{36}$/);
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, "branch-timeline.png"), fullPage: true });
  });

  it("serves badges and the readiness document over HTTP", async () => {
    const badge = await fetch(`${stack.url}/badges/main.svg`);
    expect(badge.status).toBe(200);
    expect(badge.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(badge.headers.get("cache-control")).toBe("public, max-age=30");
    expect(await badge.text()).toContain("<title>release: ready</title>");
    const gate = await (await fetch(`${stack.url}/badges/main.svg?gate=release`)).text();
    expect(gate).toContain("<title>release: ready</title>");

    const hostile = await fetch(`${stack.url}/badges/${HOSTILE.split("/").map(encodeURIComponent).join("/")}.svg`);
    expect(hostile.status).toBe(200);
    const body = await hostile.text();
    // main's commit: the rule is about commits, so the same runs made it ready
    expect(body).toContain("<title>release: ready</title>");
    expect(body).not.toContain("<script");
    expect((await fetch(`${stack.url}/badges/no/such-branch.svg`)).status).toBe(404);
    expect((await fetch(`${stack.url}/badges/main.svg?gate=%3Cscript%3E`)).status).toBe(404);
    expect((await fetch(`${stack.url}/badges/ma%00in.svg`)).status).toBe(400);

    const doc = (await (await fetch(`${stack.url}/api/v1/readiness?branch=main`)).json()) as {
      version: number;
      releaseReady: boolean;
      gates: { lanes: { runUrl: string }[] }[];
    };
    expect(doc).toMatchObject({ version: 1, releaseReady: true });
    expect(doc.gates[0]!.lanes[0]!.runUrl).toMatch(
      new RegExp(`^${stack.url}/runs/[0-9a-f-]{36}$`.replaceAll(".", "\\.")),
    );
    expect((await fetch(`${stack.url}/api/v1/readiness?branch=${encodeURIComponent(HOSTILE)}`)).status).toBe(200);
    expect((await fetch(`${stack.url}/api/v1/readiness?branch=nope`)).status).toBe(404);
    expect((await fetch(`${stack.url}/api/v1/readiness?branch=a%07b`)).status).toBe(400);

    await page.goto(`${stack.url}/badges/main.svg`);
    await page.screenshot({ path: path.join(shots, "badge-main.png"), clip: { x: 0, y: 0, width: 140, height: 24 } });
    await page.goto(`${stack.url}/badges/${HOSTILE.split("/").map(encodeURIComponent).join("/")}.svg`);
    await page.screenshot({
      path: path.join(shots, "badge-hostile.png"),
      clip: { x: 0, y: 0, width: 200, height: 24 },
    });
    copyFileSync(path.join(shots, "badge-main.png"), path.join(stack.dataDir, "badge-main.png"));
  });
});
