import { execFileSync } from "node:child_process";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { launchChromium } from "./support/browser";
import { startStack, waitUntil, type Stack } from "./support/stack";

/**
 * A finished run with a 1 GiB VM console (issue #12). The console is generated inside PostgreSQL
 * (4,096 chunks of 4,096 lines of 64 bytes, each chunk with the newlines before it, as the worker
 * stores them), so the test takes seconds to set up; the page must open it at its tail, reach its
 * start, any line and an early failure, and keep the browser's memory bounded.
 */
const CHUNKS = 4096;
const LINES_PER_CHUNK = 4096;
const FAILURE_LINE = 3 * LINES_PER_CHUNK + 101;
const FAILURE_TEXT = "[chunk 00003] [FAILED] Failed to start node09-kernel.service";

let stack: Stack;
let browser: Browser;
let page: Page;
let runId: string;

/** SQL on the stack's database, given on stdin so psql's `:'var'` quoting applies to the values passed. */
const psql = (sql: string, ...vars: string[]) =>
  execFileSync("psql", [stack.env.DATABASE_URL!, "-v", "ON_ERROR_STOP=1", "-qtA", ...vars], {
    encoding: "utf8",
    input: sql,
  }).trim();

beforeAll(async () => {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([{ name: "cluster", command: ["bash", "-c", "echo booting node09; exit 1"] }]),
  });
  stack = await startStack({ port: 3111, targetUrl: target.dir, targetName: "e2e-target", name: "e2e" });
  runId = (await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "cluster" })).id;
  await waitUntil(
    "the cluster run to fail",
    async () => (await stack.query<{ status: string }>("runs.get", { id: runId })).status === "failed",
    60_000,
  );
  // Every line is "[chunk NNNNN] " and x's, 64 bytes; chunk 3 holds one failure line instead.
  const line = (chunk: string) => `format('[chunk %s] %s', lpad(${chunk}::text, 5, '0'), repeat('x', 49)) || E'\\n'`;
  psql(
    `INSERT INTO console (id, run_id, name, kind, length, closed, lines, verdict)
     VALUES ('big-node09', :'run', 'node09', 'vm', ${CHUNKS * LINES_PER_CHUNK * 64}, true, ${CHUNKS * LINES_PER_CHUNK}, 'failed')`,
    "-v",
    `run=${runId}`,
  );
  psql(
    `INSERT INTO console_chunk (console_id, expires_on, "offset", length, data, created_at, newlines_before)
     SELECT 'big-node09', (SELECT expires_on FROM console WHERE id = 'big-node09'), i::bigint * ${LINES_PER_CHUNK * 64}, ${LINES_PER_CHUNK * 64},
       convert_to(CASE WHEN i = 3
         THEN repeat(${line("i")}, 100) || rpad('${FAILURE_TEXT}', 63) || E'\\n' || repeat(${line("i")}, ${LINES_PER_CHUNK - 101})
         ELSE repeat(${line("i")}, ${LINES_PER_CHUNK}) END, 'UTF8'),
       now(), i::bigint * ${LINES_PER_CHUNK}
     FROM generate_series(0, ${CHUNKS - 1}) i`,
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const tile = () => page.locator('section[data-console="node09"], [role="tabpanel"][data-console="node09"]');
const visible = () => tile().locator(".xterm-rows").innerText();
const ruler = () => tile().getByTestId("console-ruler");
/** What "Link to selected line" says now: which line the page selected (a jump selects its line once drawn). */
const linkNote = async () => {
  await page.getByRole("button", { name: "Link to selected line" }).click();
  return page.getByTestId("link-note").innerText();
};

describe("a 1 GiB console", () => {
  it("opens at its tail, numbered, with the browser's memory bounded", async () => {
    for (const visit of ["first", "second", "third"]) {
      await page.goto(`${stack.url}/runs/${runId}`, { waitUntil: "commit" });
      // Timed in the page: navigation start → the frame in which the tail's last line is drawn.
      const ms = await page.waitForFunction(
        (last) => {
          const rows = document.querySelector('[role="tabpanel"][data-console="node09"] .xterm-rows');
          return rows?.textContent?.includes(last) ? performance.now() : null;
        },
        `[chunk 0${CHUNKS - 1}] xxxx`,
        { polling: "raf", timeout: 30_000 },
      );
      console.log(
        `1 GiB console, ${visit} visit: run page open → tail visible in ${Math.round(Number(await ms.jsonValue()))} ms`,
      );
    }
    await expect
      .poll(() => ruler().innerText())
      .toMatch(/^showing the tail: 1023\.8 MiB – 1\.00 GiB of 1\.00 GiB, from line 16,773,121/);
    const heap = await page.evaluate(
      () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
    );
    console.log(`browser JS heap with the tail open: ${(heap / 2 ** 20).toFixed(0)} MiB`);
    expect(heap).toBeLessThan(400 * 2 ** 20);

    // A line of the tail keeps its number in the whole console.
    await page.goto(`${stack.url}/runs/${runId}?console=node09&line=16777000`);
    await expect.poll(visible).toContain(`[chunk 0${CHUNKS - 1}] xxxx`);
    await expect.poll(linkNote).toBe("link to node09 line 16777000 copied");
  });

  it("reaches its start, the middle and back to the tail", async () => {
    await ruler().getByRole("button", { name: "Start" }).click();
    await expect.poll(visible, { timeout: 20_000 }).toContain("[chunk 00000] xxxx");
    await expect.poll(() => ruler().getAttribute("data-from")).toBe("0");
    await ruler().getByRole("button", { name: "Later" }).click();
    await expect.poll(() => ruler().getAttribute("data-from")).toBe(String(2 << 20));

    await page.goto(`${stack.url}/runs/${runId}?console=node09&line=8000000`);
    // Line 8,000,000 is in chunk 1953; the permalink selects it.
    await expect.poll(visible, { timeout: 20_000 }).toContain("[chunk 01953] xxxx");
    expect(await visible()).not.toContain(`[chunk 0${CHUNKS - 1}]`);
    await page.screenshot({ path: path.join(stack.dataDir, "large-console-window.png") });
    console.log(`screenshot in ${stack.dataDir}`);
    await expect.poll(linkNote).toBe("link to node09 line 8000000 copied");

    await ruler().getByRole("button", { name: "Tail" }).click();
    await expect.poll(visible, { timeout: 20_000 }).toContain(`[chunk 0${CHUNKS - 1}] xxxx`);
    await expect.poll(() => ruler().innerText()).toMatch(/^showing the tail:/);
  });

  it("opens on an early failure, read from storage", async () => {
    const offset = 3 * LINES_PER_CHUNK * 64 + 100 * 64;
    psql(
      `INSERT INTO console_marker (console_id, "offset", line, kind, text, at)
       VALUES ('big-node09', ${offset}, ${FAILURE_LINE}, 'systemd-failed', '${FAILURE_TEXT}', now())`,
    );
    await page.goto(`${stack.url}/runs/${runId}`);
    await expect.poll(visible, { timeout: 20_000 }).toContain(FAILURE_TEXT);
    expect(await visible()).not.toContain(`[chunk 0${CHUNKS - 1}]`);
    expect(await tile().getByTestId("first-failure").innerText()).toMatch(
      new RegExp(`^line ${FAILURE_LINE}\\s+\\[chunk 00003\\] \\[FAILED\\]`),
    );
  });

  it("at 390 px its ruler fits the screen, every control reachable, and the page never scrolls sideways", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(`${stack.url}/runs/${runId}?console=node09`);
      const phoneRuler = phone
        .locator('section[data-console="node09"], [role="tabpanel"][data-console="node09"]')
        .getByTestId("console-ruler");
      await expect.poll(() => phoneRuler.innerText(), { timeout: 20_000 }).toMatch(/^showing the tail:/);
      for (const name of ["Start", "Earlier", "Tail"]) {
        const box = await phoneRuler.getByRole("button", { name }).boundingBox();
        expect(box, name).not.toBeNull();
        expect(box!.x, name).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, name).toBeLessThanOrEqual(390);
      }
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await phoneRuler.getByRole("button", { name: "Start" }).click();
      await expect.poll(() => phoneRuler.getAttribute("data-from"), { timeout: 20_000 }).toBe("0");
      // The window's first line in view, though its lines wrap to two rows on a phone.
      await expect
        .poll(() => phone.locator('[data-console="node09"] .xterm-rows').innerText(), { timeout: 20_000 })
        .toContain("[chunk 00000] xxxx");
      await phone.screenshot({ path: path.join(stack.dataDir, "large-console-390.png") });
    } finally {
      await phone.close();
    }
  });
});
