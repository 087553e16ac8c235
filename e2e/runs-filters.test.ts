import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { startStack, waitUntil, type Stack } from "./support/stack";

/**
 * The runs page's filters in a browser against the real stack (issue #11): `/runs?status=failed`
 * lists only runs that failed, changing a filter changes the URL (and Back undoes it), each row
 * names the host it ran on and says why it failed.
 */
let stack: Stack;
let browser: Browser;
let page: Page;
const ids: Record<string, string> = {};
let hostName = "";

beforeAll(async () => {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "green", command: ["bash", "-c", "echo fine"] },
      { name: "red", command: ["bash", "-c", "echo 'assertion failed: expected 3 nodes, saw 2' >&2; exit 3"] },
      { name: "slow", command: ["bash", "-c", "sleep 30"], timeoutSeconds: 2 },
    ]),
  });
  stack = await startStack({ port: 3171, targetUrl: target.dir, targetName: "e2e-target", name: "e2e_runs" });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // The first sync lists the branch before its head's catalog is read; a rerun before that would name an unknown lane.
  await waitUntil(
    "the head's catalog to be read",
    async () => {
      const lanes = await stack
        .query<{ catalog: { lanes: { name: string }[] } }>("lanes.list", { branch: "main" })
        .catch(() => null);
      return lanes?.catalog.lanes.some((l) => l.name === "slow") ?? false;
    },
    60_000,
    500,
  );
  for (const lane of ["green", "red", "slow"])
    ids[lane] = (await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane })).id;
  await waitUntil(
    "every run to end",
    async () => {
      const runs = await stack.query<{ id: string; status: string }[]>("runs.list", { limit: 10 });
      return runs.length === 3 && runs.every((r) => !["queued", "running", "waiting"].includes(r.status));
    },
    90_000,
    500,
  );
  hostName = (await stack.query<{ name: string }[]>("hosts.list"))[0]!.name;
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const listed = () => page.locator("tr[data-run]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")));
const query = () => new URL(page.url()).searchParams;
/** A busy machine renders slowly: every wait gets the same generous bound. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000 });

describe("runs page filters", () => {
  it("/runs?status=failed lists the failed and timed-out runs only, with host names and reasons", async () => {
    await page.goto(`${stack.url}/runs?status=failed`);
    await poll(async () => (await listed()).sort()).toEqual([ids.red, ids.slow].sort());
    const red = page.locator(`tr[data-run="${ids.red}"]`);
    expect(await red.getByTestId("run-host").innerText()).toBe(hostName);
    expect(await red.getByTestId("run-reason").innerText()).toMatch(/^test: /);
    expect(await page.locator(`tr[data-run="${ids.slow}"]`).getByTestId("run-reason").innerText()).toMatch(/^timeout/);
    expect(await page.getByLabel("Status").inputValue()).toBe("failed");
  });

  it("changing a filter updates the URL and the list; Back restores both; Clear filters drops them", async () => {
    await page.getByLabel("Status").selectOption("passed");
    await poll(() => query().get("status")).toBe("passed");
    await poll(listed).toEqual([ids.green]);

    await page.getByLabel("Host name").fill(hostName);
    await page.getByLabel("Host name").press("Enter");
    await poll(() => query().get("host")).toBe(hostName);
    expect(query().get("status")).toBe("passed");
    await poll(listed).toEqual([ids.green]);

    await page.getByLabel("Host name").fill("no-such-host");
    await page.getByLabel("Host name").press("Enter");
    await poll(() => query().get("host")).toBe("no-such-host");
    await poll(() => page.getByText("No runs match these filters").count()).toBe(1);

    await page.goBack();
    await poll(() => query().get("host")).toBe(hostName);
    await poll(() => page.getByLabel("Host name").inputValue()).toBe(hostName);
    await page.goBack();
    await page.goBack();
    await poll(() => query().get("status")).toBe("failed");
    await poll(async () => (await listed()).sort()).toEqual([ids.red, ids.slow].sort());

    await page.getByRole("link", { name: "Clear filters" }).click();
    await poll(() => page.url()).toBe(`${stack.url}/runs`);
    await poll(async () => (await listed()).length).toBe(3);
  });

  it("a filter the API refuses says why instead of listing anything", async () => {
    const res = await page.goto(`${stack.url}/runs?status=${encodeURIComponent("failed' OR '1'='1")}`);
    expect(res?.status()).toBe(400);
    await poll(() => page.getByText(/^The status filter takes failed, active, stopped, /).count()).toBeGreaterThan(0);
    expect(await listed()).toEqual([]);
    // a filter only the API can judge (longer than any lane name) is said in words on the page
    await page.goto(`${stack.url}/runs?lane=${"x".repeat(300)}`);
    await poll(() => page.getByText(/lane: Too big/).count()).toBeGreaterThan(0);
    expect(await listed()).toEqual([]);
  });
});
