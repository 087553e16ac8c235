import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogYaml, makeRepo } from "../tests/support/target-repo";
import { pumpScript } from "../tests/support/pump-script";
import { SlowLink } from "../tests/support/slow-link";
import { launchChromium } from "./support/browser";
import { operatorPage, startStack, type Stack } from "./support/stack";

/**
 * A follower on a 10 KB/s link during a 50 MiB burst (issue #12): a real Chromium page that
 * reaches the web through a proxy reading the server's answers at 10 KB/s (real TCP backpressure;
 * Chromium's own throttling delays what it already read and never slows the server), beside one
 * on a normal link. The slow page must be moved ahead and told what it skipped (and be able to
 * load it), the other must not notice.
 */
const BURST_MIB = 50;
const flagDir = mkdtempSync(path.join(os.tmpdir(), "pb-e2e-slow-"));
const flag = path.join(flagDir, "go");

/**
 * Waits for the suite's flag, then 50 MiB of numbered kernel-like lines at 2.5 MiB/s (as fast as a
 * page on a normal link can draw on this 2-core machine; faster, it is moved ahead too), then one last line.
 */
function* burst(flagFile: string, mib: number): Generator<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lane is a CommonJS script of its own
  const fs = require("node:fs") as typeof import("node:fs");
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  while (!fs.existsSync(flagFile)) sleep(20);
  let n = 0;
  for (let block = 0; block < mib; block++) {
    let s = "";
    while (s.length < 1 << 20) s += `[${String(++n).padStart(9)}] node01 kernel: burst line ${n % 9973}\n`;
    yield Buffer.from(s);
    sleep(400);
  }
  yield Buffer.from("BURST DONE\n");
}

let stack: Stack;
let browser: Browser;
let link: SlowLink;

beforeAll(async () => {
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([{ name: "burst", command: ["node", "lanes/burst.cjs"], timeoutSeconds: 600 }]),
    "lanes/burst.cjs": pumpScript(burst, flag, BURST_MIB),
  });
  stack = await startStack({ port: 3201, targetUrl: target.dir, targetName: "slowfollow", name: "e2e_slow_follower" });
  browser = await launchChromium();
  link = new SlowLink({ host: "127.0.0.1", port: Number(new URL(stack.url).port) });
  await link.listen();
});

afterAll(async () => {
  link?.close();
  await browser?.close();
  await stack?.stop();
  rmSync(flagDir, { recursive: true, force: true });
});

const rows = (page: Page) => page.locator('[data-console="harness"] .xterm-rows').innerText();

describe("a follower on a 10 KB/s link during a 50 MiB burst", () => {
  it("is moved ahead and told what it skipped, can load it, and the page beside it does not notice", async () => {
    const { id } = await stack.mutate<{ id: string }>("runs.rerun", { branch: "main", lane: "burst" });
    const fast = await operatorPage(browser, stack, { width: 1366, height: 900 });
    const slow = await operatorPage(browser, stack, { width: 1366, height: 900 });
    // The same site through the proxy (the session cookie is the host's, whatever the port).
    const slowUrl = `http://127.0.0.1:${link.port}/runs/${id}`;
    await fast.goto(`${stack.url}/runs/${id}`);
    await slow.goto(slowUrl);
    for (const page of [fast, slow]) await page.locator('[data-console="harness"] .xterm-rows').waitFor();
    link.bytesPerSecond = 10 * 1024;
    const deliveredBefore = link.delivered;

    writeFileSync(flag, "");
    const started = Date.now();
    await expect
      .poll(() => stack.query<{ status: string }>("runs.get", { id }).then((r) => r.status), { timeout: 300_000 })
      .toBe("passed");
    const ranFor = Date.now() - started;
    await expect.poll(() => rows(fast), { timeout: 60_000 }).toContain("BURST DONE");
    const fastDone = Date.now() - started;
    const fastSkipped = await fast.getByTestId("console-skipped").count();

    // The link recovers once the burst is over. What the server had already written into the socket
    // (the kernel's buffers hold megabytes) comes first; then the page is told what it skipped.
    const duringBurst = link.delivered - deliveredBefore;
    link.bytesPerSecond = null;
    const skipped = slow.getByTestId("console-skipped");
    await expect.poll(() => skipped.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    const notice = await skipped.innerText();
    await expect.poll(() => rows(slow), { timeout: 60_000 }).toContain("BURST DONE");
    const slowDone = Date.now() - started;
    const sent = link.delivered - deliveredBefore;
    console.log(
      `slow follower: lane ran ${ranFor} ms; the normal page showed its end after ${fastDone} ms (skip notices: ${fastSkipped}); ` +
        `the slow page got ${(duringBurst / 1024).toFixed(0)} KiB at 10 KB/s, ${(sent / 1048576).toFixed(1)} MiB in all, ` +
        `and its end after ${slowDone} ms, told "${notice.split("\n")[0]}"`,
    );
    expect(fastSkipped).toBe(0);
    expect(notice).toMatch(/^[\d.]+ (KiB|MiB|GiB) skipped: this page fell behind the live console/);
    // moved ahead, not sent the burst it missed
    expect(sent).toBeLessThan((BURST_MIB / 2) * 1048576);

    // The slow page loads what it skipped: a window of stored bytes from the skip's start.
    const ruler = slow.locator('[data-console="harness"]').getByTestId("console-ruler");
    await skipped.getByRole("button", { name: "Load them" }).click();
    await expect.poll(() => ruler.getAttribute("data-from"), { timeout: 30_000 }).not.toBeNull();
    const from = Number(await ruler.getAttribute("data-from"));
    expect(from).toBeGreaterThan(0);
    // The window's first line is one of the burst's numbered lines, as stored.
    await expect.poll(() => rows(slow), { timeout: 30_000 }).toMatch(/\[\s*\d+\] node01 kernel: burst line \d+/);
    expect(existsSync(flag)).toBe(true);
    await fast.context().close();
    await slow.context().close();
  });
});
